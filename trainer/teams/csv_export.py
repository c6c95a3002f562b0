"""A team's dashboard as CSV: one row per member and assignment, safe in a spreadsheet."""

from datetime import UTC, datetime

from django.db.models import F, Max

from lessons.models import QuestionKind
from quizzes.models import Attempt, Verdict

from .reports import TeamReport

VERDICT_LABELS = dict(Verdict.choices)


# One column per figure, in words a spreadsheet reader understands. A figure the member has
# not reached yet (no practice round finished, no test taken, not complete) is an empty
# cell in every column; a figure reached at zero is 0.
EXPORT_HEADER = [
    "Username",
    "Name",
    "E-mail",
    "Team",
    "Lesson",
    "Due date",
    "Required verdict",
    "State",
    "Progress %",
    "Completed at (UTC)",
    "Practice score",
    "Practice total",
    "Latest test score %",
    "Latest verdict",
    "Best test score %",
    "Best verdict",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def iso_utc(moment: datetime | None) -> str:
    """``2026-12-01T03:00:00Z``, or an empty cell for no time."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def best_test_percents(report: TeamReport) -> dict[tuple[int, int], int]:
    """``{(user_id, lesson_id): best finished test score as a whole %}`` in one query."""
    if not report.rows or not report.assignments:
        return {}
    best = (
        Attempt.objects.filter(
            learner__user_id__in=[row.user.pk for row in report.rows],
            lesson_id__in=[a.lesson_id for a in report.assignments],
            kind=QuestionKind.TEST,
            finished_at__isnull=False,
            score__isnull=False,
            total__gt=0,
        )
        .values("learner__user_id", "lesson_id")
        .annotate(best=Max(F("score") * 100 / F("total")))
    )
    return {(row["learner__user_id"], row["lesson_id"]): row["best"] for row in best}


def export_rows(report: TeamReport):
    """The CSV's rows after the header: one per member and assignment."""
    best_tests = best_test_percents(report)
    for row in report.rows:
        for cell in row.cells:
            assignment = cell.assignment
            practiced = cell.practice_score is not None
            values = [
                row.user.get_username(),
                row.user.get_full_name(),
                row.user.email,
                report.team.name,
                assignment.lesson.title,
                assignment.due_date.isoformat(),
                assignment.get_minimum_verdict_display() if assignment.minimum_verdict else "",
                cell.state.label,
                cell.percent,
                iso_utc(cell.completed_at),
                cell.practice_score if practiced else None,
                cell.practice_total if practiced else None,
                cell.test_latest_percent,
                cell.latest_verdict_label,
                best_tests.get((row.user.pk, assignment.lesson_id)),
                cell.best_verdict_label,
            ]
            yield [csv_safe(v) for v in values]
