"""Instructor authoring in the admin: sections, rules, publishing, history, files, limits."""

import io
import re
import zipfile
from html import unescape
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from lessons import format_export, formats
from lessons.history import history_models
from lessons.models import Choice, Flashcard, Lesson, PredictionOption, Question, Step
from lessons.modes import MODES
from quizzes.models import Commit
from quizzes.services import attempt_open, commit_record
from tests.factories import (
    LearnerFactory,
    LessonFactory,
    PredictionOptionFactory,
    QuestionFactory,
    StepFactory,
    UserFactory,
    full_lesson,
)
from tests.helpers import log_in_verified, page_text
from trainer.views import mode_url

INLINES = [
    "steps",
    "myths",
    "nuances",
    "connections",
    "pitfalls",
    "takeaways",
    "questions",
    "flashcards",
]


class _FormReader(HTMLParser):
    """What a browser would submit from one form of a page."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self.textarea = None
        self.select = None  # (name, multiple, first option value, chosen)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        name = attrs.get("name")
        if not self.inside:
            return
        if tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["chosen"].append(value)
            return
        if not name or "__prefix__" in name:
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind not in {"submit", "button", "file", "image", "reset"}:
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            # Browsers send "on" for a checked box without a value, "" for an empty field.
            self.data[name] = attrs.get("value", "on" if kind in {"checkbox", "radio"} else "")
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""
        elif tag == "select":
            self.select = {"name": name, "multiple": "multiple" in attrs, "first": None}
            self.select["chosen"] = []

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            # Browsers drop the newline that follows <textarea>.
            self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select" and self.select is not None:
            chosen, name = self.select["chosen"], self.select["name"]
            if self.select["multiple"]:
                self.data[name] = chosen
            else:
                self.data[name] = chosen[0] if chosen else (self.select["first"] or "")
            self.select = None


def form_data(response, form_id):
    assert response.status_code == 200, response.status_code
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no form {form_id!r} in the page"
    return reader.data


def admin_form(client, url, form_id="lesson_form"):
    return form_data(client.get(url), form_id)


def add_row(data, prefix, **values):
    """Fill in one more inline row, as "Add another" does in the browser."""
    number = int(data[f"{prefix}-TOTAL_FORMS"])
    for key, value in values.items():
        data[f"{prefix}-{number}-{key}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(number + 1)
    return number


def change_url(obj):
    return reverse(f"admin:lessons_{obj._meta.model_name}_change", args=[obj.pk])


def errors_of(response):
    """Every error message the admin shows on a form page, as plain text."""
    html = response.content.decode()
    lists = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return [
        unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for ul in lists
        for item in re.findall(r"<li>(.*?)</li>", ul, re.S)
    ]


@pytest.fixture
def instructor(db):
    user = UserFactory(username="instructor", is_staff=True)
    user.groups.add(Group.objects.get(name="Instructor"))
    return user


@pytest.fixture
def author(client, instructor):
    return log_in_verified(client, instructor)


def committed_step(lesson):
    step = lesson.steps.get(order=1)
    option = step.options.get(is_expected=True)
    learner = LearnerFactory(user__username="secret-learner")
    commit = commit_record(learner=learner, kind="step", item=step, answer=str(option.pk))[0]
    return step, commit


# Least privilege ------------------------------------------------------------------------


def test_instructor_group_holds_every_lesson_content_permission_and_nothing_else(db):
    """Instructors author every kind of lesson content and may see and revoke certificates;
    they read no learner's records."""
    group = Group.objects.get(name="Instructor")
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    lessons = set(
        Permission.objects.filter(content_type__app_label="lessons").values_list(
            "content_type__app_label", "codename"
        )
    )
    certificates = {("certificates", "view_certificate"), ("certificates", "revoke_certificate")}
    assert held == lessons | certificates
    assert ("lessons", "change_lesson") in held
    assert ("lessons", "view_historicalstep") in held
    assert {codename.split("_")[0] for _, codename in held - certificates} == {
        "add",
        "change",
        "delete",
        "view",
    }


def test_admin_lets_an_instructor_reach_every_authoring_page(author):
    lesson = full_lesson(practice=1)
    step = lesson.steps.first()
    urls = [
        reverse("admin:index"),
        reverse("admin:lessons_lesson_changelist"),
        reverse("admin:lessons_lesson_add"),
        change_url(lesson),
        reverse("admin:lessons_lesson_history", args=[lesson.pk]),
        reverse("admin:lessons_lesson_import"),
        change_url(step),
        reverse("admin:lessons_step_history", args=[step.pk]),
        change_url(lesson.questions.first()),
        change_url(lesson.myths.first()),
    ]
    for url in urls:
        assert author.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/quizzes/learner/",
        "/admin/quizzes/commit/",
        "/admin/quizzes/attempt/",
        "/admin/quizzes/lessonprogress/",
        "/admin/quizzes/hintrequest/",
        "/admin/teams/team/",
        "/admin/teams/assignment/",
        "/admin/teams/reminderlog/",
        "/admin/quizzes/",
        "/admin/auth/",
        "/admin/teams/",
    ],
)
def test_admin_keeps_an_instructor_out_of_users_answers_and_teams(author, url):
    assert author.get(url).status_code in {403, 404}


def test_admin_keeps_an_instructor_out_of_a_users_change_page(author, instructor):
    assert author.get(f"/admin/auth/user/{instructor.pk}/change/").status_code in {403, 404}


def test_admin_index_lists_only_lesson_content_to_an_instructor(author):
    html = author.get(reverse("admin:index")).content.decode()
    assert 'href="/admin/lessons/lesson/"' in html
    assert 'href="/admin/lessons/step/"' in html
    assert 'href="/admin/lessons/question/"' in html
    for hidden in ("/admin/auth/", "/admin/quizzes/", "/admin/teams/", "Commits", "Users"):
        assert hidden not in html


def test_admin_refuses_staff_without_content_permissions(client, db):
    log_in_verified(client, UserFactory(is_staff=True))
    lesson = LessonFactory()
    assert client.get(reverse("admin:lessons_lesson_changelist")).status_code == 403
    assert client.get(reverse("admin:lessons_lesson_import")).status_code == 403
    assert client.get(reverse("admin:lessons_lesson_export", args=[lesson.pk])).status_code == 403
    preview = reverse("admin:lessons_lesson_markdown_preview")
    assert client.post(preview, {"text": "x"}).status_code == 403


def test_admin_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get(reverse("admin:lessons_lesson_import"))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert client.get(reverse("admin:lessons_lesson_import"), follow=True).status_code == 200


# The lesson page in the admin --------------------------------------------------------


def test_lesson_admin_shows_sections_in_the_order_learners_see_them(author):
    html = unescape(author.get(change_url(full_lesson())).content.decode())
    headings = [
        "Header", "Overview", "Mental model", "Build-up steps", "Under the hood",
        "Myth busters", "Expert zone", "When NOT to use, and production patterns",
        "Connections", "Common pitfalls", "Key takeaways", "Practice and pattern-test questions",
    ]  # fmt: skip
    positions = [
        re.search(rf"<h2[^>]*>\s*{re.escape(heading)}\s*</h2>", html).start()
        for heading in headings
    ]
    assert positions == sorted(positions)


def test_lesson_admin_links_preview_download_history_and_row_pages(author):
    lesson = full_lesson(practice=1, published=False)
    html = author.get(change_url(lesson)).content.decode()
    assert f'href="{lesson.get_absolute_url()}"' in html
    assert ">Preview as a learner</a>" in html
    assert f'href="{reverse("admin:lessons_lesson_export", args=[lesson.pk])}"' in html
    assert f'href="{reverse("admin:lessons_lesson_history", args=[lesson.pk])}"' in html
    step = lesson.steps.get(order=1)
    assert (f'href="{change_url(step)}" aria-label="Edit the prediction options of step 1"') in html
    question = lesson.questions.get()
    assert (
        f'href="{change_url(question)}" '
        'aria-label="Edit the choices, hint and solution of practice question 1"'
    ) in html


def test_lesson_admin_shows_a_rendered_preview_of_markdown_fields(author):
    lesson = full_lesson(what_is_it="It is **bold** and `code`.")
    html = author.get(change_url(lesson)).content.decode()
    assert "<p>It is <strong>bold</strong> and <code>code</code>.</p>" in html
    assert 'data-markdown-preview="/admin/lessons/lesson/markdown-preview/"' in html
    assert "/static/js/admin-preview.js" in html
    assert 'class="diagram-source"' in html


def test_lesson_admin_tells_whether_the_lesson_is_ready_to_publish(author):
    html = unescape(author.get(change_url(LessonFactory(published=False))).content.decode())
    assert "A lesson needs at least one build-up step." in html
    assert "Yes: nothing is missing." in page_text(
        author.get(change_url(full_lesson())), apart=True
    )


def test_markdown_preview_answers_with_sanitized_html(author):
    url = reverse("admin:lessons_lesson_markdown_preview")
    response = author.post(url, {"text": "**hi** <script>alert(1)</script> [x](javascript:x)"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>hi</strong>" in html
    assert "<script" not in html
    assert 'href="javascript' not in html


def test_markdown_preview_refuses_get_and_oversized_text(author):
    url = reverse("admin:lessons_lesson_markdown_preview")
    assert author.get(url).status_code == 405
    assert author.post(url, {"text": "x" * (formats.MAX_TEXT + 1)}).status_code == 400


def test_lesson_admin_creates_a_lesson_with_its_sections(author, instructor):
    data = admin_form(author, reverse("admin:lessons_lesson_add"))
    data.update(slug="new-pattern", title="New pattern", category="Testing · admin")
    add_row(data, "steps", order="", level="foundation", title="First", concept="C", body="B")
    add_row(data, "steps", order="", level="expert", title="Second", concept="C", body="B")
    add_row(data, "myths", question="Is it?", belief="b", reality="r", why_it_matters="w")
    data["myths-0-true_answer"] = "False"
    add_row(data, "takeaways", text="Remember this.")
    add_row(data, "questions", kind="practice", order="", difficulty="easy", stem="Which?")
    response = author.post(reverse("admin:lessons_lesson_add"), data)
    assert response.status_code == 302, errors_of(response)
    lesson = Lesson.objects.get(slug="new-pattern")
    assert [(s.order, s.title) for s in lesson.steps.all()] == [(1, "First"), (2, "Second")]
    assert lesson.myths.get().true_answer is False
    assert lesson.takeaways.get().text == "Remember this."
    assert lesson.questions.get().order == 1
    assert not lesson.published


def test_lesson_admin_numbers_rows_one_two_three_in_the_chosen_order(author):
    lesson = full_lesson(practice=0)
    data = admin_form(author, change_url(lesson))
    data.update({"steps-0-order": "30", "steps-1-order": "10", "steps-2-order": "20"})
    response = author.post(change_url(lesson), data)
    assert response.status_code == 302, errors_of(response)
    first, second, third = Step.objects.filter(lesson=lesson).order_by("pk")
    assert (first.order, second.order, third.order) == (3, 1, 2)


def test_lesson_admin_refuses_two_rows_with_the_same_order(author):
    lesson = full_lesson(practice=0)
    data = admin_form(author, change_url(lesson))
    data["steps-1-order"] = data["steps-0-order"]
    response = author.post(change_url(lesson), data)
    assert response.status_code == 200
    assert "Two steps have order 1: give each one its own position." in errors_of(response)


def test_lesson_admin_refuses_a_malformed_or_taken_slug(author):
    LessonFactory(slug="taken")
    lesson = full_lesson()
    data = admin_form(author, change_url(lesson))
    data["slug"] = "Not_A_Slug"
    response = author.post(change_url(lesson), data)
    assert response.status_code == 200
    assert any("lowercase letters, digits and single hyphens" in e for e in errors_of(response))
    data["slug"] = "taken"
    response = author.post(change_url(lesson), data)
    assert "Lesson with this Slug already exists." in errors_of(response)


def test_lesson_admin_refuses_a_lesson_that_links_to_itself(author):
    lesson = full_lesson()
    data = admin_form(author, change_url(lesson))
    data["prerequisites"] = [str(lesson.pk)]
    response = author.post(change_url(lesson), data)
    assert "A lesson cannot link to itself." in errors_of(response)


def test_myth_inline_requires_its_true_answer(author):
    lesson = full_lesson()
    data = admin_form(author, change_url(lesson))
    add_row(data, "myths", question="New?", belief="b", reality="r", why_it_matters="w")
    response = author.post(change_url(lesson), data)
    assert response.status_code == 200
    assert "Choose the true answer to the quick question: yes or no." in errors_of(response)


def test_question_inline_requires_a_difficulty(author):
    lesson = full_lesson(practice=1)
    data = admin_form(author, change_url(lesson))
    data["questions-0-difficulty"] = ""
    response = author.post(change_url(lesson), data)
    assert response.status_code == 200
    assert "Every question needs a difficulty: easy, medium or hard." in errors_of(response)


# Step and question pages: options and choices ------------------------------------------


def test_step_admin_requires_two_options_with_one_expected(author):
    step = StepFactory(prediction_prompt="Guess?")
    data = admin_form(author, change_url(step), "step_form")
    add_row(data, "options", order="1", text="Only one", is_expected="on")
    response = author.post(change_url(step), data)
    assert response.status_code == 200
    assert "A prediction needs at least two options (found 1)." in errors_of(response)

    add_row(data, "options", order="2", text="Another")
    data.pop("options-0-is_expected")
    response = author.post(change_url(step), data)
    assert "Exactly one prediction option must be expected (found 0)." in errors_of(response)
    assert not step.options.exists()


def test_step_admin_refuses_options_without_a_prompt(author):
    step = StepFactory(prediction_prompt="")
    data = admin_form(author, change_url(step), "step_form")
    add_row(data, "options", order="1", text="One", is_expected="on")
    add_row(data, "options", order="2", text="Two")
    response = author.post(change_url(step), data)
    assert (
        "Prediction options need a prediction prompt: write the prompt or delete the options."
        in errors_of(response)
    )


def test_step_admin_saves_options_and_returns_to_the_lesson(author):
    step = StepFactory(prediction_prompt="Guess?")
    data = admin_form(author, change_url(step), "step_form")
    add_row(data, "options", order="", text="One")
    add_row(data, "options", order="", text="Two", is_expected="on")
    response = author.post(change_url(step), data)
    assert response.status_code == 302, errors_of(response)
    assert response["Location"] == change_url(step.lesson)
    assert [(o.order, o.text, o.is_expected) for o in step.options.all()] == [
        (1, "One", False),
        (2, "Two", True),
    ]


def test_step_admin_moves_the_expected_option_in_one_save(author):
    step = StepFactory(prediction_prompt="Guess?")
    PredictionOptionFactory(step=step, order=1, text="A")
    PredictionOptionFactory(step=step, order=2, text="B", is_expected=True)
    data = admin_form(author, change_url(step), "step_form")
    data.pop("options-1-is_expected")
    data["options-0-is_expected"] = "on"
    response = author.post(change_url(step), data)
    assert response.status_code == 302, errors_of(response)
    assert step.options.get(is_expected=True).text == "A"


def test_question_admin_requires_exactly_one_correct_choice(author):
    question = QuestionFactory(choices=0)
    data = admin_form(author, change_url(question), "question_form")
    add_row(data, "choices", order="1", text="A", is_correct="on")
    add_row(data, "choices", order="2", text="B", is_correct="on")
    response = author.post(change_url(question), data)
    assert response.status_code == 200
    assert "Exactly one choice must be correct (found 2)." in errors_of(response)
    data.pop("choices-0-is_correct")
    data.pop("choices-1-is_correct")
    response = author.post(change_url(question), data)
    assert "Exactly one choice must be correct (found 0)." in errors_of(response)
    assert not question.choices.exists()


def test_question_admin_moves_the_correct_choice_in_one_save(author):
    question = QuestionFactory()  # four choices, the second correct
    data = admin_form(author, change_url(question), "question_form")
    data.pop("choices-1-is_correct")
    data["choices-0-is_correct"] = "on"
    response = author.post(change_url(question), data)
    assert response.status_code == 302, errors_of(response)
    assert question.choices.get(is_correct=True).order == 1


def test_question_admin_offers_only_parts_of_the_same_lesson_to_teach(author):
    question = QuestionFactory(lesson=full_lesson(practice=0))
    own = question.lesson.steps.first()
    other = StepFactory()
    html = author.get(change_url(question)).content.decode()
    assert f'<option value="{own.pk}">' in html
    assert f'<option value="{other.pk}">' not in html

    data = admin_form(author, change_url(question), "question_form")
    data["teaches_step"] = str(other.pk)
    response = author.post(change_url(question), data)
    assert response.status_code == 200
    assert any("Select a valid choice" in error for error in errors_of(response))

    data["teaches_step"] = str(own.pk)
    data["teaches_myth"] = str(question.lesson.myths.first().pk)
    response = author.post(change_url(question), data)
    assert any("teaches one part of the lesson at most" in e for e in errors_of(response))


def test_question_admin_survives_garbage_in_the_lesson_field(author):
    question = QuestionFactory()
    data = admin_form(author, change_url(question), "question_form")
    data["lesson"] = "not-a-number"
    response = author.post(change_url(question), data)
    assert response.status_code == 200
    assert errors_of(response)


@pytest.mark.parametrize(
    ("part", "parent"),
    [
        ("myths", "lesson"),
        ("nuances", "lesson"),
        ("connections", "lesson"),
        ("pitfalls", "lesson"),
        ("takeaways", "lesson"),
        ("flashcards", "lesson"),
        ("steps__options", "step"),
        ("questions__choices", "question"),
        ("questions__solution", "question"),
    ],
)
def test_row_admin_saves_a_row_and_returns_to_where_it_is_edited_from(author, part, parent):
    lesson = full_lesson(practice=1)
    Flashcard.objects.create(lesson=lesson, order=1, front="Front", back="Back")
    model = Lesson._meta.get_field(part.split("__")[0]).related_model
    if "__" in part:
        model = model._meta.get_field(part.split("__")[1]).related_model
    row = model.objects.filter(
        **{f"{parent}__lesson" if parent != "lesson" else "lesson": lesson}
    ).first()
    data = admin_form(author, change_url(row), f"{model._meta.model_name}_form")
    response = author.post(change_url(row), data)
    assert response.status_code == 302, errors_of(response)
    assert response["Location"] == change_url(getattr(row, parent))
    # Nothing in the form changed, so no new version (see the history tests).
    assert row.history.count() == 1


# Draft, preview, publish ----------------------------------------------------------------


def publish_action(client, action, *lessons):
    return client.post(
        reverse("admin:lessons_lesson_changelist"),
        {"action": action, "_selected_action": [str(lesson.pk) for lesson in lessons]},
        follow=True,
    )


def test_publish_action_publishes_valid_drafts(author):
    lesson = full_lesson(published=False)
    response = publish_action(author, "publish", lesson)
    lesson.refresh_from_db()
    assert lesson.published
    assert f"“{lesson}” is published." in page_text(response, apart=True)


def test_publish_action_refuses_an_invalid_lesson_and_says_why(author):
    valid = full_lesson(published=False)
    invalid = full_lesson(published=False, practice=1)
    invalid.questions.get().choices.update(is_correct=False)
    response = publish_action(author, "publish", valid, invalid)
    text = page_text(response, apart=True)
    assert f"“{invalid}” was not published; it stays a draft until these are fixed:" in text
    assert "Practice question 1: Exactly one choice must be correct (found 0)." in text
    invalid.refresh_from_db()
    valid.refresh_from_db()
    assert not invalid.published
    assert valid.published


def test_unpublish_action_hides_lessons_from_learners(author):
    lesson = full_lesson()
    publish_action(author, "unpublish", lesson)
    lesson.refresh_from_db()
    assert not lesson.published


def test_lesson_admin_keeps_an_invalid_lesson_a_draft_when_ticked_published(author):
    lesson = LessonFactory(published=False)
    data = admin_form(author, change_url(lesson))
    data["published"] = "on"
    response = author.post(change_url(lesson), data, follow=True)
    lesson.refresh_from_db()
    assert not lesson.published
    assert "is a draft again until these are fixed:" in page_text(response, apart=True)


def test_lesson_admin_turns_a_lesson_broken_by_an_edit_back_into_a_draft(author):
    lesson = full_lesson()
    data = admin_form(author, change_url(lesson))
    data["steps-1-prediction_prompt"] = "A new prediction without options"
    response = author.post(change_url(lesson), data, follow=True)
    lesson.refresh_from_db()
    assert not lesson.published
    assert "A prediction needs at least two options (found 0)." in page_text(response, apart=True)


def test_lesson_page_lets_an_instructor_preview_a_draft_and_commit(author):
    lesson = full_lesson(published=False)
    step = lesson.steps.get(order=1)
    option = step.options.get(is_expected=True)
    response = author.get(lesson.get_absolute_url())
    assert response.status_code == 200
    assert step.title in response.content.decode()
    url = reverse("quizzes:commit", kwargs={"slug": lesson.slug, "kind": "step", "pk": step.pk})
    response = author.post(url, {"answer": str(option.pk)}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "That is right." in response.content.decode()
    assert Commit.objects.filter(step=step, correct=True).count() == 1


def test_lesson_page_hides_drafts_from_learners(client, db):
    lesson = full_lesson(published=False)
    assert client.get(lesson.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(lesson.get_absolute_url()).status_code == 404


# History ---------------------------------------------------------------------------------


def test_history_records_who_changed_what(author, instructor):
    lesson = full_lesson()
    data = admin_form(author, change_url(lesson))
    data["title"] = "Renamed pattern"
    data["steps-0-title"] = "Renamed step"
    assert author.post(change_url(lesson), data).status_code == 302
    latest = lesson.history.latest()
    assert latest.history_user == instructor
    assert latest.title == "Renamed pattern"
    step_record = lesson.steps.get(order=1).history.latest()
    assert step_record.history_user == instructor
    assert step_record.history_type == "~"


def history_counts() -> dict:
    """How many versions each lesson and lesson part has, by model and id."""
    counts = {}
    for model in history_models():
        for record in model.history.values("id").annotate(n=Count("history_id")):
            counts[(model.__name__, record["id"])] = record["n"]
    return counts


def test_admin_save_of_an_unchanged_lesson_records_no_version(author):
    """Saving the lesson form (with every inline) as it is adds no "Changed" entry."""
    lesson = full_lesson(practice=1, test=1)
    before = history_counts()
    response = author.post(change_url(lesson), admin_form(author, change_url(lesson)))
    assert response.status_code == 302, errors_of(response)
    assert history_counts() == before
    # A real change still records exactly one version, of the row that changed.
    data = admin_form(author, change_url(lesson))
    data["title"] = "Renamed pattern"
    assert author.post(change_url(lesson), data).status_code == 302
    after = history_counts()
    assert after.pop(("Lesson", lesson.pk)) == before.pop(("Lesson", lesson.pk)) + 1
    assert after == before


def test_reloading_an_identical_lesson_file_records_no_version(db, tmp_path):
    path = tmp_path / "lesson.yaml"
    path.write_text(format_export.export(full_lesson(practice=2, test=2)))
    call_command("load_lessons", str(path), stdout=io.StringIO())
    lesson = Lesson.objects.get()
    before = history_counts()
    call_command("load_lessons", str(path), stdout=io.StringIO())
    assert history_counts() == before
    path.write_text(path.read_text().replace(lesson.title, "A new title", 1))
    call_command("load_lessons", str(path), stdout=io.StringIO())
    after = history_counts()
    assert after.pop(("Lesson", lesson.pk)) == before.pop(("Lesson", lesson.pk)) + 1
    assert after == before


def test_history_page_shows_the_differences_between_versions(author):
    step = full_lesson().steps.get(order=2)
    old_title = step.title
    data = admin_form(author, change_url(step), "step_form")
    data["title"] = "A clearer title"
    assert author.post(change_url(step), data).status_code == 302
    text = page_text(author.get(reverse("admin:lessons_step_history", args=[step.pk])))
    assert f"Title: {old_title} → A clearer title" in text
    assert "instructor" in text


def test_lesson_history_page_lists_changes_to_its_parts(author):
    lesson = full_lesson()
    data = admin_form(author, change_url(lesson))
    data["myths-0-reality"] = "A corrected reality."
    assert author.post(change_url(lesson), data).status_code == 302
    response = author.get(reverse("admin:lessons_lesson_history", args=[lesson.pk]))
    text = page_text(response, apart=True)
    assert "Changes to the lesson's steps, myths, questions and other parts" in text
    myth = lesson.myths.get(order=1)
    record = myth.history.latest()
    version = reverse("admin:lessons_myth_simple_history", args=[myth.pk, record.history_id])
    assert f'href="{version}"' in response.content.decode()
    assert "reality" in text


def test_history_revert_restores_an_earlier_step(author):
    step = full_lesson().steps.get(order=2)
    original = step.history.earliest()
    data = admin_form(author, change_url(step), "step_form")
    data["title"] = "A mistaken edit"
    assert author.post(change_url(step), data).status_code == 302

    url = reverse("admin:lessons_step_simple_history", args=[step.pk, original.history_id])
    data = admin_form(author, url, "historicalstep_form")
    assert data["title"] == original.title
    response = author.post(url, {**data, "_save": "Revert"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.title == original.title
    assert step.history.count() == 3


def test_history_revert_restores_an_earlier_lesson(author):
    lesson = full_lesson(title="Original title")
    original = lesson.history.earliest()
    data = admin_form(author, change_url(lesson))
    data.update(title="Wrong title", core_idea="Wrong idea")
    assert author.post(change_url(lesson), data).status_code == 302

    url = reverse("admin:lessons_lesson_simple_history", args=[lesson.pk, original.history_id])
    response = author.post(
        url, {**admin_form(author, url, "historicallesson_form"), "_save": "Revert"}
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.title, lesson.core_idea) == ("Original title", original.core_idea)


def test_history_revert_restores_a_deleted_row(author):
    lesson = full_lesson()
    myth = lesson.myths.get(order=2)
    data = admin_form(author, change_url(lesson))
    data["myths-1-DELETE"] = "on"
    assert author.post(change_url(lesson), data).status_code == 302
    assert lesson.myths.count() == 1

    deleted = myth.history.get(history_type="-")
    url = reverse("admin:lessons_myth_simple_history", args=[myth.pk, deleted.history_id])
    assert (
        f'href="{url}"'
        in author.get(reverse("admin:lessons_lesson_history", args=[lesson.pk])).content.decode()
    )
    response = author.post(url, {**admin_form(author, url, "historicalmyth_form"), "_save": "1"})
    assert response.status_code == 302
    assert [m.question for m in lesson.myths.all()] == [
        lesson.myths.get(order=1).question,
        myth.question,
    ]


def test_history_revert_cannot_publish_an_invalid_lesson(author):
    lesson = LessonFactory(published=True)
    published_version = lesson.history.earliest()
    Lesson.objects.filter(pk=lesson.pk).update(published=False)
    url = reverse(
        "admin:lessons_lesson_simple_history", args=[lesson.pk, published_version.history_id]
    )
    author.post(url, {**admin_form(author, url, "historicallesson_form"), "_save": "Revert"})
    lesson.refresh_from_db()
    assert not lesson.published


# Download and upload ----------------------------------------------------------------------


def test_export_view_downloads_the_lesson_file(author):
    lesson = full_lesson(slug="to-download")
    response = author.get(reverse("admin:lessons_lesson_export", args=[lesson.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="to-download.yaml"'
    assert response.content.decode() == format_export.export(lesson)


def test_export_view_answers_404_for_an_unknown_lesson(author):
    assert author.get("/admin/lessons/lesson/999999/export/").status_code == 404
    assert author.get("/admin/lessons/lesson/nonsense/export/").status_code == 404


def test_download_action_gives_one_file_or_a_zip(author):
    one, two = full_lesson(slug="one"), full_lesson(slug="two")
    response = publish_action(author, "download", one)
    assert response["Content-Disposition"] == 'attachment; filename="one.yaml"'
    response = publish_action(author, "download", one, two)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["one.yaml", "two.yaml"]
    assert archive.read("two.yaml").decode() == format_export.export(two)


def upload(client, content, name="lesson.yaml"):
    if isinstance(content, str):
        content = content.encode()
    return client.post(
        reverse("admin:lessons_lesson_import"),
        {"file": SimpleUploadedFile(name, content, content_type="application/yaml")},
    )


def test_import_view_creates_a_lesson_from_an_exported_file(author):
    text = format_export.export(full_lesson(slug="travelling", practice=2))
    Lesson.objects.filter(slug="travelling").delete()
    response = upload(author, text, "travelling.yaml")
    lesson = Lesson.objects.get(slug="travelling")
    assert response.status_code == 302
    assert response["Location"] == change_url(lesson)
    assert format_export.export(lesson) == text
    assert lesson.history.latest().history_user.username == "instructor"


def test_import_view_updates_an_existing_lesson_in_place(author):
    lesson = full_lesson(slug="in-place")
    step_ids = list(lesson.steps.values_list("pk", flat=True))
    document = format_export.to_document(lesson)
    document["steps"][0]["title"] = "Updated by upload"
    response = upload(author, formats.yaml.safe_dump(document))
    assert response.status_code == 302
    assert list(lesson.steps.values_list("pk", flat=True)) == step_ids
    assert lesson.steps.get(order=1).title == "Updated by upload"


def test_import_view_lists_every_problem_by_field_and_writes_nothing(author):
    document = format_export.to_document(full_lesson(slug="broken"))
    Lesson.objects.all().delete()
    document["steps"][0]["level"] = "wizard"
    document["practice"][0]["choices"][0]["correct"] = True
    del document["title"]
    response = upload(author, formats.yaml.safe_dump(document), "broken.yaml")
    assert response.status_code == 400
    text = page_text(response, apart=True)
    assert "The file was not imported." in text
    assert "title is required" in text
    assert "steps[1].level must be one of foundation, intermediate, advanced, expert" in text
    assert "practice[1].choices exactly one option must be correct (found 2)" in text
    assert not Lesson.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"slug: [unclosed", "not valid YAML (line 1, column 16)"),
        ("\xff\xfe not utf8".encode("latin-1"), "The file is not UTF-8 text"),
        (b"x" * (1024 * 1024 + 1), "The file is larger than 1 MB"),
        (b"- a list\n- not a lesson", "must be a mapping"),
    ],
)
def test_import_view_refuses_bad_files_with_a_clear_message(author, content, message):
    response = upload(author, content)
    assert response.status_code == 400
    assert message in page_text(response, apart=True)
    assert not Lesson.objects.exists()


def test_import_view_needs_a_file(author):
    response = author.post(reverse("admin:lessons_lesson_import"), {})
    assert response.status_code == 400
    assert "This field is required." in page_text(response, apart=True)


def test_import_view_checks_prerequisites_like_load_lessons(author):
    document = format_export.to_document(full_lesson(slug="follows"))
    Lesson.objects.all().delete()
    document["overview"]["prerequisites"] = ["basics"]
    response = upload(author, formats.yaml.safe_dump(document))
    assert "no lesson with slug 'basics'" in page_text(response, apart=True)
    LessonFactory(slug="basics")
    response = upload(author, formats.yaml.safe_dump(document))
    assert response.status_code == 302
    assert [o.slug for o in Lesson.objects.get(slug="follows").prerequisites.all()] == ["basics"]


def test_import_view_refuses_to_drop_what_learners_answered(author):
    lesson = full_lesson(slug="answered")
    myth = lesson.myths.get(order=2)
    commit_record(learner=LearnerFactory(), kind="myth", item=myth, answer="yes")
    document = format_export.to_document(lesson)
    document["myths"] = document["myths"][:1]
    response = upload(author, formats.yaml.safe_dump(document))
    assert response.status_code == 400
    assert f"the myth “{myth}” is left out of the file" in page_text(response, apart=True)
    assert "records of learners or teams refer to it (1 commit)" in page_text(response, apart=True)
    assert lesson.myths.count() == 2


def test_import_view_needs_add_and_change_permissions(client, db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_lesson"))
    log_in_verified(client, user)
    assert client.get(reverse("admin:lessons_lesson_import")).status_code == 403
    html = client.get(reverse("admin:lessons_lesson_changelist")).content.decode()
    assert "Import lesson" not in html


def test_lesson_changelist_offers_import_to_instructors(author):
    html = author.get(reverse("admin:lessons_lesson_changelist")).content.decode()
    assert f'href="{reverse("admin:lessons_lesson_import")}"' in html


# Learner records stay true ----------------------------------------------------------------


def test_delete_page_explains_why_a_committed_step_stays(author):
    step, commit = committed_step(full_lesson())
    url = reverse("admin:lessons_step_delete", args=[step.pk])
    response = author.get(url)
    assert response.status_code == 200
    text = page_text(response, apart=True)
    assert "cannot be deleted: records of learners or teams refer to it (1 commit)" in text
    assert "secret-learner" not in text
    assert commit.answer_text not in text
    response = author.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Step.objects.filter(pk=step.pk).exists()


def test_delete_page_explains_why_a_lesson_with_learner_records_stays(author):
    lesson = full_lesson()
    committed_step(lesson)
    url = reverse("admin:lessons_lesson_delete", args=[lesson.pk])
    text = page_text(author.get(url), apart=True)
    assert "records of learners or teams refer to it" in text
    assert "secret-learner" not in text
    author.post(url, {"post": "yes"})
    assert Lesson.objects.filter(pk=lesson.pk).exists()


def test_delete_selected_action_keeps_lessons_with_learner_records(author):
    lesson = full_lesson()
    committed_step(lesson)
    response = author.post(
        reverse("admin:lessons_lesson_changelist"),
        {"action": "delete_selected", "_selected_action": [str(lesson.pk)], "post": "yes"},
    )
    assert response.status_code == 200
    assert "records of learners or teams refer to it" in page_text(response, apart=True)
    assert Lesson.objects.filter(pk=lesson.pk).exists()


def test_delete_page_deletes_content_nobody_committed_to(author):
    step = full_lesson().steps.get(order=3)
    response = author.post(reverse("admin:lessons_step_delete", args=[step.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Step.objects.filter(pk=step.pk).exists()


def test_lesson_inline_refuses_to_delete_a_committed_row(author):
    lesson = full_lesson()
    step, _ = committed_step(lesson)
    data = admin_form(author, change_url(lesson))
    data["steps-0-DELETE"] = "on"
    response = author.post(change_url(lesson), data)
    assert response.status_code == 200
    assert f"“{step}” cannot be deleted: records of learners or teams refer to it (1 commit)." in (
        " ".join(errors_of(response))
    )
    assert Step.objects.filter(pk=step.pk).exists()


def test_lesson_inline_refuses_to_delete_an_answered_question(author):
    lesson = full_lesson(practice=1)
    question = lesson.questions.get()
    learner = LearnerFactory()
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    choice = question.choices.first()
    commit_record(
        learner=learner, kind="question", item=question, answer=str(choice.pk), attempt=attempt
    )
    data = admin_form(author, change_url(lesson))
    data["questions-0-DELETE"] = "on"
    response = author.post(change_url(lesson), data)
    assert response.status_code == 200
    assert any("cannot be deleted" in error for error in errors_of(response))
    assert Question.objects.filter(pk=question.pk).exists()


def test_lesson_inline_deletes_rows_nobody_committed_to(author):
    lesson = full_lesson()
    data = admin_form(author, change_url(lesson))
    data["steps-2-DELETE"] = "on"
    data["myths-0-DELETE"] = "on"
    response = author.post(change_url(lesson), data)
    assert response.status_code == 302, errors_of(response)
    assert lesson.steps.count() == 2
    assert [m.order for m in lesson.myths.all()] == [1]


def test_commit_keeps_its_answer_and_correctness_when_the_question_changes(author):
    lesson = full_lesson(practice=1)
    question = lesson.questions.get()
    learner = LearnerFactory()
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    chosen = question.choices.get(is_correct=True)
    commit, _ = commit_record(
        learner=learner, kind="question", item=question, answer=str(chosen.pk), attempt=attempt
    )
    data = admin_form(author, change_url(question), "question_form")
    position = next(i for i in range(4) if data[f"choices-{i}-id"] == str(chosen.pk))
    data[f"choices-{position}-text"] = "Rewritten after the commit"
    data.pop(f"choices-{position}-is_correct")
    data[f"choices-{(position + 1) % 4}-is_correct"] = "on"
    assert author.post(change_url(question), data).status_code == 302
    assert not Choice.objects.get(pk=chosen.pk).is_correct
    commit.refresh_from_db()
    assert commit.answer_text == chosen.text
    assert commit.correct


def test_step_admin_deletes_options_inline(author):
    step = StepFactory(prediction_prompt="Guess?")
    for order in (1, 2, 3):
        PredictionOptionFactory(step=step, order=order, is_expected=order == 1)
    data = admin_form(author, change_url(step), "step_form")
    data["options-2-DELETE"] = "on"
    response = author.post(change_url(step), data)
    assert response.status_code == 302, errors_of(response)
    assert PredictionOption.objects.filter(step=step).count() == 2


# Drafts previewed by staff -----------------------------------------------------------------


def lesson_pages(client, lesson):
    """Every page of ``lesson``: each mode (practice and the test among them) and the
    first question of a test attempt."""
    urls = [mode_url(lesson, mode.slug) for mode in MODES]
    client.post(reverse("quizzes:test-start", args=[lesson.slug]))
    urls.append(reverse("quizzes:test-attempt", args=[lesson.slug, 1]))
    return {url: client.get(url) for url in dict.fromkeys(urls)}


def test_every_page_of_a_draft_previewed_by_staff_says_draft(client, instructor):
    """Staff may open an unpublished lesson; each of its pages says plainly it is a draft."""
    client.force_login(instructor)
    draft = full_lesson(published=False, test=2)
    pages = lesson_pages(client, draft)
    assert len(pages) >= 10
    for url, response in pages.items():
        assert response.status_code == 200, url
        html = response.content.decode()
        marker = re.search(r'<p class="draft-marker">(.*?)</p>', html, re.S)
        assert marker, url
        assert "Draft" in marker[1]
        assert "not published" in marker[1]


def test_published_lesson_pages_carry_no_draft_marker(client, instructor):
    client.force_login(instructor)
    for url, response in lesson_pages(client, full_lesson(test=2)).items():
        assert response.status_code == 200, url
        assert "draft-marker" not in response.content.decode(), url


# Accessibility ---------------------------------------------------------------------------


def test_tabular_inline_fields_and_columns_have_names(author):
    """Each field of a tabular inline row (order, text, correct, delete) carries a name
    for screen readers, and no column header is empty: a table header is not a label."""
    question = full_lesson(practice=1).questions.first()
    html = author.get(change_url(question)).content.decode()
    assert 'aria-label="Order, row 1"' in html
    assert 'aria-label="Text, row 1"' in html
    assert 'aria-label="Delete, row 1"' in html
    assert 'aria-label="Order, new row"' in html  # the template row "Add another" copies
    fields = re.findall(r'<input[^>]*name="choices-\d+-(?:order|text|DELETE)"[^>]*>', html)
    assert fields
    assert all("aria-label=" in field for field in fields)
    assert '<th class="original"></th>' not in html
