"""A new kind of item is one class and one partial: the commit path needs nothing else."""

from pathlib import Path

import pytest
from django.urls import reverse

from quizzes.items import ITEM_TYPES, ItemType, Option
from quizzes.models import Commit
from tests.factories import full_lesson
from tests.helpers import HTMX, page_text


@pytest.fixture
def true_false(settings):
    """A throwaway kind: say whether a myth's question is true, kept in the myth column."""
    engine = settings.TEMPLATES[0]
    dirs = [*engine["DIRS"], Path(__file__).parent / "kind_templates"]
    settings.TEMPLATES = [{**engine, "DIRS": dirs}]

    class TrueFalse(ItemType):
        kind = "true-false"
        stored = "myth"
        part = "myths"
        partial = "true_false.html#card"
        position = "tf"

        def anchor(self, item):
            return f"true-false-{item.order}"

        def options(self, item):
            return [Option("true", "True"), Option("false", "False")]

        def is_correct(self, item, key):
            return (key == "true") == item.true_answer

    yield TrueFalse
    del ITEM_TYPES["true-false"]


def commit_url(lesson, pk):
    return reverse("quizzes:commit", args=[lesson.slug, "true-false", pk])


@pytest.mark.django_db
def test_new_kind_commits_and_reveals_with_htmx(client, true_false):
    """An htmx commit to the new kind records it once and answers with its partial, revealed."""
    lesson = full_lesson()
    myth = lesson.myths.get(order=1)
    answer = "true" if myth.true_answer else "false"
    response = client.post(commit_url(lesson, myth.pk), {"answer": answer}, **HTMX)
    assert response.status_code == 200
    assert "You said True: right" in page_text(response) or "You said False: right" in page_text(
        response
    )
    commit = Commit.objects.get()
    assert (commit.kind, commit.myth_id, commit.correct) == ("myth", myth.pk, True)
    again = client.post(commit_url(lesson, myth.pk), {"answer": "false"}, **HTMX)
    assert again.status_code == 409
    assert Commit.objects.count() == 1


@pytest.mark.django_db
def test_new_kind_without_javascript_returns_to_the_item(client, true_false):
    """Without htmx the commit redirects back to the item's anchor and position on its page."""
    lesson = full_lesson()
    myth = lesson.myths.get(order=2)
    response = client.post(
        commit_url(lesson, myth.pk), {"answer": "true", "next": lesson.get_absolute_url()}
    )
    assert response.status_code == 302
    assert response.url == f"{lesson.get_absolute_url()}?tf=2#true-false-2"


@pytest.mark.django_db
def test_new_kind_refuses_bad_input_and_writes_nothing(client, true_false):
    """An answer it does not offer is a 400, an item the lesson lacks a 404; nothing is written."""
    lesson = full_lesson()
    myth = lesson.myths.get(order=1)
    assert client.post(commit_url(lesson, myth.pk), {"answer": "yes"}).status_code == 400
    assert client.post(commit_url(lesson, 999_999), {"answer": "true"}).status_code == 404
    assert not Commit.objects.exists()
