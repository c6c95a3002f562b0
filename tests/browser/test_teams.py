"""A manager runs a team's IAM training in Chromium: assign, watch, export."""

import csv
import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from quizzes.models import Learner
from quizzes.services import attempt_open, commit_record
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

from .test_reveal import commit_prediction


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def finish_the_lesson(user, lesson):
    """Everything the browser did not commit, committed as the lesson's own services would."""
    learner = Learner.objects.get(user=user)
    for step in lesson.steps.exclude(prediction_prompt=""):
        answer = step.options.get(is_expected=True)
        commit_record(learner=learner, kind="step", item=step, answer=str(answer.pk))
    for myth in lesson.myths.all():
        answer = "yes" if myth.true_answer else "no"
        commit_record(learner=learner, kind="myth", item=myth, answer=answer)
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    for question in lesson.questions.filter(kind="practice"):
        right = question.choices.get(is_correct=True)
        commit_record(
            learner=learner, kind="question", item=question, answer=str(right.pk), attempt=attempt
        )


def test_manager_invites_assigns_watches_and_exports(
    browser, live_server, live_iam, assert_accessible
):
    """The manager invites alice; the team sees nothing of her until she accepts."""
    team = TeamFactory(name="Security champions", slug="security-champions")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    alice = UserFactory(username="alice")
    due = timezone.localdate() + timedelta(days=7)

    manager_context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    manager = manager_context.new_page()
    log_in(manager, "boss")
    manager.goto("/teams/")
    assert_accessible(manager)
    manager.goto(f"/teams/{team.slug}/members/")
    manager.get_by_label("Username or e-mail address").fill("alice")
    manager.get_by_role("button", name="Invite").click()
    expect(manager.get_by_role("status")).to_contain_text("“alice” is invited.")
    waiting = manager.get_by_role("table", name=re.compile("not answered yet"))
    expect(waiting).to_contain_text("alice")
    manager.reload()
    assert_accessible(manager)
    manager.goto("/teams/")
    manager.get_by_role("link", name="Security champions").click()
    manager.get_by_role("link", name="Assign a lesson").click()
    assert_accessible(manager)
    manager.get_by_label("Lesson").select_option(label=str(live_iam))
    manager.get_by_label("Due date").fill(due.isoformat())
    manager.get_by_label("Minimum pattern-test verdict").select_option("")
    manager.get_by_role("button", name="Assign").click()
    expect(manager.get_by_role("status")).to_contain_text("assigned")
    # Invited, not yet accepted: no row for alice anywhere on the dashboard.
    expect(manager.locator("main")).not_to_contain_text("alice")

    learner_context = browser.new_context(base_url=live_server.url)
    learner = learner_context.new_page()
    log_in(learner, "alice")
    learner.get_by_role("link", name="My learning").click()
    invitations = learner.locator("#invitations")
    expect(invitations).to_contain_text("Security champions")
    assert_accessible(learner)
    invitations.get_by_role("button", name="Accept the invitation to Security champions").click()
    expect(learner.locator("#invitations")).to_contain_text("You joined Security champions")
    expect(learner.locator("#invitations [role=status]")).to_be_focused()
    assert_accessible(learner)
    learner.reload()
    assigned = learner.get_by_role("table", name=re.compile("assigned to you"))
    expect(assigned).to_contain_text(live_iam.title)
    expect(assigned).to_contain_text("Not started")

    manager.reload()
    grid = manager.locator("#grid")
    alice_row = grid.get_by_role("row", name=re.compile("alice"))
    expect(alice_row).to_contain_text("Not started")
    assert_accessible(manager)

    learner.get_by_role("link", name=str(live_iam)).first.click()
    step = live_iam.steps.exclude(prediction_prompt="").order_by("order").first()
    commit_prediction(learner, step.order, step.options.get(is_expected=True).text)
    expect(learner.locator(f"#step-{step.order}")).to_contain_text("That is right.")

    manager.reload()
    expect(grid.get_by_role("row", name=re.compile("alice"))).to_contain_text("In progress")

    finish_the_lesson(alice, live_iam)
    manager.reload()
    alice_row = grid.get_by_role("row", name=re.compile("alice"))
    expect(alice_row).to_contain_text("Complete")
    expect(
        alice_row.get_by_role("progressbar", name=f"alice on {live_iam.title}")
    ).to_have_attribute("value", "100")
    expect(manager.locator("#totals")).to_contain_text("1 (100%)")

    with manager.expect_download() as download_info:
        manager.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("team-security-champions-completion-")
    with open(download.path(), encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))
    record = dict(zip(header, row, strict=True))
    assert record["Username"] == "alice"
    assert record["Lesson"] == live_iam.title
    assert record["Due date"] == due.isoformat()
    assert record["State"] == "Complete"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["Completed at (UTC)"])
    assert (record["Practice score"], record["Practice total"]) == ("5", "5")

    learner.reload()
    learner.goto("/me/")
    expect(learner.get_by_role("table", name=re.compile("assigned to you"))).to_contain_text(
        "Complete"
    )
    learner.goto(team.get_absolute_url())
    expect(learner.get_by_role("heading", level=1)).not_to_contain_text("Security champions")
    learner.goto("/teams/invitations/")
    assert_accessible(learner)
    learner.get_by_role("button", name="Leave Security champions").click()
    expect(learner.get_by_role("status")).to_contain_text("You left Security champions")
    manager.reload()
    expect(manager.locator("main")).not_to_contain_text("alice")
    learner_context.close()
    manager_context.close()
