"""The hot-path SQL and the id path converter, tested directly."""

import pytest
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404

from quizzes import sql
from quizzes.converters import IdConverter
from quizzes.models import Commit, LessonProgress
from tests import factories


def test_insert_columns_match_the_commit_row_and_table():
    """Every column the INSERT writes is a Commit column, and the row type reads real ones."""
    columns = {f.column for f in Commit._meta.concrete_fields}
    assert set(sql.INSERT_COLUMNS) <= columns
    assert set(sql.CommitRow._fields) <= columns
    assert "id" not in sql.INSERT_COLUMNS


@pytest.mark.django_db
def test_commit_insert_returns_the_row_it_wrote():
    """commit_insert writes one row with the values given and CommitRow.of reads it back."""
    myth = factories.MythFactory()
    learner = factories.LearnerFactory()
    commit = sql.commit_insert(
        learner_id=learner.pk,
        lesson_id=myth.lesson_id,
        attempt_id=None,
        kind="myth",
        step_id=None,
        myth_id=myth.pk,
        question_id=None,
        pitfall_id=None,
        answer="no",
        answer_text="No",
        correct=True,
    )
    stored = Commit.objects.get()
    assert (stored.pk, stored.myth_id, stored.answer) == (commit.pk, myth.pk, "no")
    assert sql.commit_rows(learner.pk, myth.lesson_id) == [sql.CommitRow.of(stored)]


@pytest.mark.django_db
def test_progress_update_keeps_the_first_completion_time():
    """A second complete write keeps completed_at; only the first says it completed."""
    progress = factories.LessonProgressFactory()
    args = (progress.learner_id, progress.lesson_id, {"percent": 100})
    assert sql.progress_update(*args, complete=True) is True
    first = LessonProgress.objects.get().completed_at
    assert sql.progress_update(*args, complete=True) is False
    assert LessonProgress.objects.get().completed_at == first


@pytest.mark.django_db
def test_progress_update_without_progress_returns_none_and_refuses_unknown_fields():
    """No progress row yet is None; a name that is no progress field is refused."""
    assert sql.progress_update(1, 1, {"percent": 5}, complete=False) is None
    with pytest.raises(ValueError, match="Not progress fields"):
        sql.progress_update(1, 1, {"percent; DROP": 5}, complete=False)


def test_id_converter_takes_short_digit_runs_only():
    """The id converter turns digits into ints; URLs with other ids do not resolve."""
    converter = IdConverter()
    assert converter.to_python("42") == 42
    assert converter.to_url(42) == "42"
    url = reverse("quizzes:hint", args=["lesson", 7])
    assert resolve(url).kwargs["pk"] == 7
    for bad in ("-1", "1e3", "1234567890", "x"):
        with pytest.raises(Resolver404):
            resolve(url.replace("/7/", f"/{bad}/"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "factory",
    [
        factories.CommitFactory,
        factories.LessonProgressFactory,
        factories.CardScheduleFactory,
        factories.HintRequestFactory,
        factories.StepReadFactory,
        factories.FlashcardFactory,
    ],
)
def test_factory_builds_a_valid_row(factory):
    """Each factory saves a row that passes the model's own validation."""
    row = factory()
    row.full_clean()
