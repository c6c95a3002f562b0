"""Lesson content is cached per version and never shown stale after an edit."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons import cache as content_cache
from lessons import models as content
from tests.factories import (
    ChoiceFactory,
    LessonFactory,
    QuestionFactory,
    SolutionStepFactory,
    full_lesson,
)
from tests.perf.conftest import HTMX, commit_url

pytestmark = pytest.mark.django_db

CONTENT_TABLES = (
    "lessons_step",
    "lessons_predictionoption",
    "lessons_myth",
    "lessons_nuance",
    "lessons_takeaway",
    "lessons_connection",
    "lessons_pitfall",
    "lessons_choice",
    "lessons_solutionstep",
    "lessons_flashcard",
)


def page(client, lesson):
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_lesson_cache_serves_a_second_request_without_reading_content_tables(client):
    lesson = full_lesson(steps=4, practice=3)
    client.get(lesson.get_absolute_url())
    sql = queries_for(client, lesson.get_absolute_url())
    assert not [q for q in sql if any(f'"{table}"' in q for table in CONTENT_TABLES)]


def test_lesson_cache_survives_a_new_process_through_the_shared_cache(client):
    lesson = full_lesson(steps=4, practice=3)
    client.get(lesson.get_absolute_url())
    content_cache.clear_local()  # a fresh worker: nothing decoded, the shared cache warm
    sql = queries_for(client, lesson.get_absolute_url())
    assert not [q for q in sql if '"lessons_step"' in q]


def test_lesson_cache_shows_an_edited_step_title_on_the_next_request(client):
    lesson = full_lesson(steps=2)
    step = lesson.steps.get(order=2)
    assert step.title in page(client, lesson)
    old_title = step.title
    step.title = "A sharper step title"
    step.save()
    html = page(client, lesson)
    assert "A sharper step title" in html
    assert old_title not in html


@pytest.mark.parametrize(
    ("edit", "shown"),
    [
        (lambda lesson: _set(lesson, "subtitle", "Revised edition"), "Revised edition"),
        (lambda lesson: _set(lesson.myths.first(), "question", "Is this new?"), "Is this new?"),
        (lambda lesson: _set(lesson.nuances.first(), "text", "A new nuance"), "A new nuance"),
        (lambda lesson: _set(lesson.takeaways.first(), "text", "Fresh takeaway"), "Fresh takeaway"),
        (lambda lesson: _set(lesson.pitfalls.first(), "title", "New pitfall"), "New pitfall"),
        (lambda lesson: _set(lesson.connections.first(), "field", "New field"), "New field"),
        (
            lambda lesson: _set(content.PredictionOption.objects.first(), "text", "Third way"),
            "Third way",
        ),
        (
            lambda lesson: _set(
                lesson.questions.first().choices.first(), "text", "A rewritten choice"
            ),
            "A rewritten choice",
        ),
        (
            lambda lesson: lesson.steps.create(
                order=9, title="An added step", concept="c", body="b"
            ),
            "An added step",
        ),
    ],
    ids=[
        "lesson",
        "myth",
        "nuance",
        "takeaway",
        "pitfall",
        "connection",
        "option",
        "choice",
        "new-step",
    ],
)
def test_lesson_cache_shows_every_kind_of_edit_on_the_next_request(client, edit, shown):
    lesson = full_lesson(steps=2, practice=1)
    assert shown not in page(client, lesson)
    edit(lesson)
    assert shown in page(client, lesson)


def _set(obj, field, value):
    setattr(obj, field, value)
    obj.save()


def test_lesson_cache_forgets_a_deleted_part(client):
    lesson = full_lesson(steps=3)
    step = lesson.steps.get(order=3)
    assert step.title in page(client, lesson)
    step.delete()
    assert step.title not in page(client, lesson)


def test_lesson_cache_version_moves_on_every_save_and_delete_of_every_content_model():
    lesson = full_lesson(steps=1, practice=1)
    question = lesson.questions.get()
    rows = {
        content.Step: lesson.steps.first(),
        content.PredictionOption: content.PredictionOption.objects.first(),
        content.Myth: lesson.myths.first(),
        content.Nuance: lesson.nuances.first(),
        content.Connection: lesson.connections.first(),
        content.Pitfall: lesson.pitfalls.first(),
        content.Takeaway: lesson.takeaways.first(),
        content.Question: question,
        content.Choice: question.choices.first(),
        content.SolutionStep: question.solution.first(),
        content.Flashcard: content.Flashcard.objects.create(lesson=lesson, front="f", back="b"),
    }
    parts = [m for m in content_cache.content_models() if m is not content.Lesson]
    assert set(parts) <= set(rows), f"add a row for {set(parts) - set(rows)} to this test"
    for model, row in rows.items():
        before = _version(lesson)
        row.save()
        assert _version(lesson) != before, f"saving a {model.__name__} kept the version"
    for model in (content.Choice, content.SolutionStep, content.PredictionOption, content.Myth):
        before = _version(lesson)
        rows[model].delete()
        assert _version(lesson) != before, f"deleting a {model.__name__} kept the version"


def _version(lesson):
    return content.Lesson.objects.values_list("updated_at", flat=True).get(pk=lesson.pk)


def test_lesson_cache_covers_every_model_of_the_lessons_app():
    """A new content model is invalidated automatically, as long as it belongs to a lesson
    through a CASCADE foreign key; one that does not must be looked at by a person."""
    models = {
        m for m in apps.get_app_config("lessons").get_models() if not hasattr(m, "instance_type")
    }
    assert models == set(content_cache.content_models())


def test_lesson_cache_moves_the_version_of_a_lesson_saved_with_update_fields():
    lesson = LessonFactory()
    before = _version(lesson)
    lesson.title = "Renamed quietly"
    lesson.save(update_fields=["title"])
    assert _version(lesson) != before


def test_lesson_cache_refreshes_pages_that_name_a_renamed_prerequisite(client):
    basics = LessonFactory(title="The basics")
    lesson = full_lesson()
    lesson.prerequisites.add(basics)
    assert "The basics" in page(client, lesson)
    basics.title = "The fundamentals"
    basics.save()
    html = page(client, lesson)
    assert "The fundamentals" in html
    assert "The basics" not in html


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_lesson_cache_refreshes_when_links_between_lessons_change(client, direction):
    basics = LessonFactory(title="The basics")
    lesson = full_lesson()
    assert "The basics" not in page(client, lesson)
    if direction == "forward":
        lesson.prerequisites.add(basics)
    else:
        basics.unlocks.add(lesson)
    assert "The basics" in page(client, lesson)
    if direction == "forward":
        lesson.prerequisites.clear()
    else:
        basics.unlocks.clear()
    assert "The basics" not in page(client, lesson)


def test_lesson_cache_content_changed_covers_queryset_updates(client):
    """update() sends no signal: code that edits content that way says so itself."""
    lesson = full_lesson(steps=2)
    page(client, lesson)
    lesson.steps.filter(order=2).update(title="Edited in bulk")
    content_cache.content_changed(lesson.pk)
    assert "Edited in bulk" in page(client, lesson)


def test_lesson_with_content_returns_a_private_copy_to_each_caller():
    """Pages annotate what they show: nothing set by one request reaches another."""
    lesson = full_lesson(steps=2, practice=1)
    first = content_cache.lesson_with_content(lesson)
    first.progress = "set by one request"
    first.steps.all()[0].commit = "one learner's commit"
    second = content_cache.lesson_with_content(lesson)
    assert not hasattr(second, "progress")
    assert not hasattr(second.steps.all()[0], "commit")
    assert [s.title for s in second.steps.all()] == [s.title for s in first.steps.all()]


def test_lesson_cache_key_changes_with_the_version():
    lesson = full_lesson(steps=1, practice=1)
    QuestionFactory(lesson=lesson, order=2)
    before = content_cache.lesson_with_content(lesson)
    assert len(before.practice_questions) == 2
    question = QuestionFactory(lesson=lesson, order=3, choices=0)
    ChoiceFactory(question=question, order=1, is_correct=True)
    SolutionStepFactory(question=question, order=1)
    lesson.refresh_from_db()
    after = content_cache.lesson_with_content(lesson)
    assert len(after.practice_questions) == 3


def test_lesson_part_is_a_private_copy_of_one_item_with_what_it_contains():
    lesson = full_lesson(steps=2, practice=1)
    lesson.refresh_from_db()  # the version its parts moved it to, as a request reads it
    step = lesson.steps.get(order=2)
    question = lesson.questions.get()
    content_cache.lesson_part(lesson, "steps", step.pk)  # the content, read once
    with CaptureQueriesContext(connection) as captured:
        copy = content_cache.lesson_part(lesson, "steps", step.pk)
        options = [o.text for o in copy.options.all()]
        choices = [
            c.text
            for c in content_cache.lesson_part(
                lesson, "practice_questions", question.pk
            ).choices.all()
        ]
        assert copy.lesson is lesson
    assert len(captured) == 0
    assert options == list(step.options.values_list("text", flat=True))
    assert choices == list(question.choices.values_list("text", flat=True))
    copy.title = "changed by one request"
    assert content_cache.lesson_part(lesson, "steps", step.pk).title == step.title
    assert content_cache.lesson_part(lesson, "steps", 10**9) is None


def test_commit_reveals_the_edited_item_and_refuses_a_deleted_one(client):
    """The commit takes its item from the cache: an edit shows, a deletion is a 404."""
    lesson = full_lesson(steps=1)
    first, second = lesson.myths.order_by("order")
    client.post(commit_url(lesson, "myth", first.pk), {"answer": "no"}, **HTMX)
    second.reality = "The edited reality"
    second.save()
    response = client.post(commit_url(lesson, "myth", second.pk), {"answer": "no"}, **HTMX)
    assert "The edited reality" in response.content.decode()
    pitfall = lesson.pitfalls.first()
    url = commit_url(lesson, "pitfall", pitfall.pk)
    pitfall.delete()
    response = client.post(url, {"answer": "wrong"}, **HTMX)
    assert response.status_code == 404
