"""The statements every commit runs, written as SQL.

A commit takes the learner's lock, reads their commits on the lesson, inserts one and
rewrites one row of progress. Through the ORM, which compiles the same SQL afresh on
every request, these statements took about a third of a commit's CPU; written here once,
a commit costs about a third less (measured in-process on PostgreSQL). The SQL is the
same on PostgreSQL and SQLite, and the services' tests run it on both. Everything else
goes through the ORM.
"""

from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection

from .models import Commit, Learner, LessonProgress

INSERT_COLUMNS = (
    "learner_id",
    "lesson_id",
    "attempt_id",
    "kind",
    "step_id",
    "myth_id",
    "question_id",
    "pitfall_id",
    "answer",
    "answer_text",
    "correct",
    "created_at",
)


class CommitRow(NamedTuple):
    """What progress needs to know of one commit (the columns ``commit_rows`` reads)."""

    id: int
    kind: str
    step_id: int | None
    myth_id: int | None
    pitfall_id: int | None
    question_id: int | None
    attempt_id: int | None
    correct: bool
    created_at: datetime

    @classmethod
    def of(cls, commit: Commit) -> "CommitRow":
        return cls(*(getattr(commit, field) for field in cls._fields))


COMMITS = Commit._meta.db_table
PROGRESS = LessonProgress._meta.db_table

# Names below come from these constants and from the model's own fields, never from input.
LOCK_SQL = f"SELECT 1 FROM {Learner._meta.db_table} WHERE id = %s FOR UPDATE"  # noqa: S608
ROWS_SQL = (
    f"SELECT {', '.join(CommitRow._fields)} FROM {COMMITS} "  # noqa: S608
    "WHERE learner_id = %s AND lesson_id = %s"
)
INSERT_SQL = (
    f"INSERT INTO {COMMITS} ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))}) RETURNING id"
)
PROGRESS_FIELDS = {f.name for f in LessonProgress._meta.concrete_fields}


def learner_lock(learner_id: int) -> None:
    """Hold the learner's row until the transaction ends, so one learner's writes run one
    after another: two tabs or a double click cannot interleave their updates. (SQLite
    needs none: its immediate transactions already run one writer at a time.)"""
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(LOCK_SQL, [learner_id])


def commit_rows(learner_id: int, lesson_id: int) -> list[CommitRow]:
    """The learner's commits on the lesson."""
    with connection.cursor() as cursor:
        cursor.execute(ROWS_SQL, [learner_id, lesson_id])
        return [CommitRow(*row[:7], bool(row[7]), _aware(row[8])) for row in cursor.fetchall()]


def commit_insert(**values) -> Commit:
    """Insert a commit (``INSERT_COLUMNS`` but the time, as keywords) and return it, as
    ``Commit.objects.create()`` would."""
    values["created_at"] = datetime.now(UTC)
    params = [values[column] for column in INSERT_COLUMNS]
    params[-1] = connection.ops.adapt_datetimefield_value(values["created_at"])
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, params)
        pk = cursor.fetchone()[0]
    commit = Commit(pk=pk, **values)
    commit._state.adding = False
    return commit


def progress_update(
    learner_id: int, lesson_id: int, figures: dict, *, complete: bool
) -> bool | None:
    """Write ``figures`` (LessonProgress fields) into the learner's progress on the lesson;
    ``completed_at`` keeps its first value while ``complete``. Returns None when the
    learner has no progress on the lesson yet, else whether this write completed it (its
    ``completed_at`` was empty and is now set): the same statement says so, no read more."""
    if not figures.keys() <= PROGRESS_FIELDS:
        raise ValueError(f"Not progress fields: {sorted(figures.keys() - PROGRESS_FIELDS)}")
    now = connection.ops.adapt_datetimefield_value(datetime.now(UTC))
    values = [
        connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v
        for v in figures.values()
    ]
    completed = "COALESCE(completed_at, %s)" if complete else "NULL"
    # completed_at equals updated_at only when this statement set both to ``now``.
    sql = (
        f"UPDATE {PROGRESS} SET {', '.join(f'{name} = %s' for name in figures)}, "  # noqa: S608
        f"completed_at = {completed}, updated_at = %s "
        "WHERE learner_id = %s AND lesson_id = %s "
        "RETURNING completed_at IS NOT NULL AND completed_at = updated_at"
    )
    params = [*values, *([now] if complete else []), now, learner_id, lesson_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else bool(row[0])


def _aware(value) -> datetime:
    """PostgreSQL returns an aware datetime; SQLite the naive UTC one Django stored."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
