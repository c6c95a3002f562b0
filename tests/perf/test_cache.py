"""Lesson content is cached per version and never shown stale after an edit."""

import json

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons import cache as content_cache
from lessons import models as content
from lessons.modes import MODES
from tests.factories import (
    ChoiceFactory,
    LessonFactory,
    QuestionFactory,
    SolutionStepFactory,
    full_lesson,
)
from tests.helpers import HTMX
from tests.perf.conftest import commit_url
from trainer import pagecache
from trainer.views import mode_url

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


def _comparable(html):
    """The page without what differs between two renders of it (CSRF token, CSP nonce)."""
    body = pagecache.CSRF.sub(lambda m: m[1], html.encode())
    return pagecache.NONCE.sub(lambda m: m[1], body)


def test_shared_cache_holds_plain_data_only(client):
    """What goes to the shared cache is JSON data (lists, dicts, text, numbers), so
    reading it back can run no code, whatever serializer the cache uses."""
    lesson = full_lesson(steps=3, practice=2)
    page(client, lesson)
    lesson.refresh_from_db()
    stored = cache.get(content_cache._key(lesson.pk, lesson.updated_at))
    assert isinstance(stored, dict)
    assert json.loads(json.dumps(stored)) == stored


def _tree(instance):
    """Everything a page can read from an instance without a query, as plain values."""
    attributes = vars(instance)
    return {
        "class": type(instance),
        "values": {
            name: value
            for name, value in attributes.items()
            # The m2m prefetch's join column: an artefact of the query, read by nothing.
            if not name.startswith(("_state", "_prefetch")) and not isinstance(value, list)
        },
        "saved": (instance._state.db, instance._state.adding),
        "related": {
            name: "parent" if value is not None and value in parents(instance) else value
            for name, value in instance._state.fields_cache.items()
        },
        "prefetched": {
            name: [_tree(child) for child in queryset]
            for name, queryset in getattr(instance, "_prefetched_objects_cache", {}).items()
        },
        "lists": {
            name: [_tree(child) for child in value]
            for name, value in attributes.items()
            if isinstance(value, list)
        },
    }


def parents(instance):
    return [v for v in instance._state.fields_cache.values() if v is not None]


def test_content_rebuilt_from_the_shared_cache_is_the_content_read_from_the_database(
    django_assert_num_queries,
):
    """Every field, prefetched list and cached relation survives the plain-data trip,
    and the rebuilt content answers what pages ask without a query."""
    lesson = full_lesson(steps=3, practice=2)
    lesson.prerequisites.add(LessonFactory(title="The basics"))
    found = content.Lesson.objects.with_content().get(pk=lesson.pk)
    plain = json.loads(json.dumps(content_cache.content_encode(found)))
    rebuilt = content_cache.content_decode(plain)
    assert _tree(rebuilt) == _tree(found)
    with django_assert_num_queries(0):
        question = rebuilt.practice_questions[0]
        assert question.lesson is rebuilt
        assert [c.text for c in question.choices.all()] == [
            c.text for c in found.practice_questions[0].choices.all()
        ]
        assert len(question.solution.all()) == len(found.practice_questions[0].solution.all())
        assert [o.pk for s in rebuilt.steps.all() for o in s.options.all()] == [
            o.pk for s in found.steps.all() for o in s.options.all()
        ]
        assert [p.title for p in rebuilt.prerequisites.all()] == ["The basics"]
    assert rebuilt.updated_at == found.updated_at


@pytest.mark.parametrize("mode", [m.slug for m in MODES])
def test_page_from_the_shared_cache_is_the_page_from_the_database(client, mode):
    """A fresh worker that finds the content in the shared cache renders each page
    exactly as one that read it from the database, without reading content tables."""
    lesson = full_lesson(steps=3, practice=2, test=2)
    lesson.prerequisites.add(LessonFactory(title="The basics"))
    url = mode_url(lesson, mode)
    content_cache.clear_local()
    first = client.get(url)
    content_cache.clear_local()  # a fresh worker: nothing decoded, the shared cache warm
    pagecache.clear()
    with CaptureQueriesContext(connection) as captured:
        second = client.get(url)
    assert second.status_code == first.status_code == 200
    assert _comparable(second.content.decode()) == _comparable(first.content.decode())
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in sql if any(f'"{table}"' in q for table in CONTENT_TABLES)]


def test_undecodable_shared_entry_is_a_miss(client):
    """An entry of another shape (an older deploy, another program) is read from the
    database again and replaced."""
    lesson = full_lesson()
    lesson.refresh_from_db()
    key = content_cache._key(lesson.pk, lesson.updated_at)
    cache.set(key, {"m": "auth.user", "v": [1]})
    assert lesson.title in page(client, lesson)
    assert cache.get(key)["m"] == "lessons.lesson"
