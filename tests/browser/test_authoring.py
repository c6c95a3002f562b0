"""An instructor writes, previews and publishes a lesson in the admin; a learner completes it."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from playwright.sync_api import expect

from lessons import format_export
from lessons.models import Lesson
from tests.factories import PASSWORD, UserFactory

RECOVERY_CODE = "abcdefgh"


@pytest.fixture
def instructor(transactional_db):
    """A staff user in the Instructor group, made as the migrations make it.

    A transactional test empties every table afterwards, the group included, so the
    group is made again here by the migration's own functions.
    """
    for name in ("0003_instructor_group", "0005_instructor_group_flashcards"):
        migration = importlib.import_module(f"lessons.migrations.{name}")
        fn = getattr(migration, "create_instructor_group", None) or migration.sync_instructor_group
        fn(apps, None)
    user = UserFactory(username="instructor", is_staff=True)
    user.groups.add(Group.objects.get(name="Instructor"))
    # Staff need a second factor for the admin: a recovery code stands in for the app.
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    device.token_set.create(token=RECOVERY_CODE)
    return user


def admin_login(page, user):
    page.goto("/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if "/two-factor/" in page.url:
        page.get_by_label("Code").fill(RECOVERY_CODE)
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def fill_row(page, prefix, **values):
    for name, value in values.items():
        page.locator(f"#id_{prefix}-{name}").fill(value)


def add_row(page, noun):
    page.get_by_role("button", name=f"Add another {noun}").click()


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("successfully")


def test_instructor_authors_a_lesson_and_a_learner_completes_it(
    page, browser, live_server, instructor, assert_accessible
):
    problems = []  # script errors, CSP refusals and failed requests (but the favicon's)
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and problems.append(message.text)
        ),
    )
    admin_login(page, instructor)
    page.goto("/admin/lessons/lesson/add/")
    page.locator("#id_title").fill("Small pattern")
    page.locator("#id_title").press("Tab")
    expect(page.locator("#id_slug")).to_have_value("small-pattern")
    page.locator("#id_category").fill("Testing · browser")
    page.locator("#id_what_is_it").fill("A **tiny** lesson.")
    expect(page.locator(".field-what_is_it .markdown-preview-body strong")).to_have_text("tiny")

    add_row(page, "Build-up step")
    fill_row(page, "steps-0", title="Commit first", concept="Guess first.", body="Then read.")
    page.locator("#id_steps-0-prediction_prompt").fill("Before reading on: which comes first?")
    add_row(page, "Build-up step")
    fill_row(page, "steps-1", title="Then look", concept="Look now.", body="All shown.")

    add_row(page, "Myth")
    fill_row(page, "myths-0", question="Is peeking fine?", belief="Peeking helps.")
    fill_row(page, "myths-0", reality="It spoils the guess.", why_it_matters="Honesty.")
    page.locator("#myths-0").get_by_label("No").check()

    for number in range(2):
        add_row(page, "Question")
        page.locator(f"#id_questions-{number}-kind").select_option("practice")
        page.locator(f"#id_questions-{number}-difficulty").select_option("easy")
        page.locator(f"#id_questions-{number}-stem").fill(f"Practice question {number + 1}?")
    save_and_continue(page)
    expect(page.locator(".field-publishing")).to_contain_text("Not yet")

    page.locator("#steps-0").get_by_role("link", name="Edit the prediction options").click()
    add_row(page, "Prediction option")
    add_row(page, "Prediction option")
    page.locator("#id_options-0-text").fill("The guess")
    page.locator("#id_options-0-is_expected").check()
    page.locator("#id_options-1-text").fill("The reading")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#steps-0")).to_contain_text("The guess (expected)")

    for number in range(2):
        question = page.locator(f"#questions-{number}")
        question.get_by_role("link", name="Edit the choices, hint and solution").click()
        add_row(page, "Choice")
        add_row(page, "Choice")
        page.locator("#id_choices-0-text").fill(f"Wrong {number + 1}")
        page.locator("#id_choices-1-text").fill(f"Right {number + 1}")
        page.locator("#id_choices-1-is_correct").check()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(f"#questions-{number}")).to_contain_text(
            f"Right {number + 1} (correct)"
        )
    expect(page.locator(".field-publishing")).to_contain_text("Yes: nothing is missing.")

    page.get_by_role("link", name="Preview as a learner").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Small pattern")
    page.go_back()

    page.goto("/admin/lessons/lesson/")
    lesson = Lesson.objects.get(slug="small-pattern")
    page.locator(f"input[name=_selected_action][value='{lesson.pk}']").check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist")).to_contain_text("is published.")

    page.get_by_role("link", name="Small pattern", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as YAML").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "slug: small-pattern\n" in exported
    page.goto("/admin/lessons/lesson/")
    page.get_by_role("link", name="Import lesson").click()
    page.get_by_label("Lesson file").set_input_files(
        files=[
            {
                "name": "copy.yaml",
                "mimeType": "application/yaml",
                "buffer": exported.replace("slug: small-pattern", "slug: small-copy").encode(),
            }
        ]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist")).to_contain_text("Imported “Small pattern” from copy.yaml.")
    assert format_export.export(Lesson.objects.get(slug="small-copy")) == exported.replace(
        "slug: small-pattern", "slug: small-copy"
    )

    learner_context = browser.new_context(base_url=live_server.url)
    learner = learner_context.new_page()
    learner.goto(lesson.get_absolute_url())
    step = learner.locator("#step-1")
    step.get_by_label("The guess").check()
    step.get_by_role("button", name="Commit my prediction").click()
    expect(step.get_by_role("status")).to_contain_text("That is right.")

    myth = learner.locator("#myth-1")
    myth.get_by_role("button", name="No").click()
    expect(myth.get_by_role("status")).to_contain_text("You answered No: right.")

    card = learner.locator("#practice-card")
    for _ in range(2):
        card.get_by_label("B.", exact=False).first.check()
        card.get_by_role("button", name="Commit my answer").click()
        expect(card.get_by_text("Correct answer:")).to_be_visible()
        card.get_by_role("link", name=re.compile("Next question|See your score")).click()
    expect(card).to_contain_text("Your score: 2 / 2")
    assert_accessible(learner)
    learner_context.close()
    assert problems == []
