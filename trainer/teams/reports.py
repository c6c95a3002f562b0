"""What a team's dashboard reads, in fixed queries, and how its grid sorts.

Everything here reads; nothing writes. A report costs the same number of queries for a
team of five as for a team of five hundred: members, assignments, progress and test
attempts are each fetched in one query and joined in Python through ``rules``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Min
from django.utils import timezone

from lessons.models import QuestionKind
from quizzes.models import Attempt, LessonProgress, Verdict

from . import rules
from .models import Assignment, Membership, Team
from .rules import State

VERDICT_LABELS = dict(Verdict.choices)
PROGRESS_FIELDS = (
    "learner__user_id",
    "lesson_id",
    "percent",
    "started_at",
    "completed_at",
    "practice_score",
    "practice_total",
    "test_latest_score",
    "test_latest_total",
    "test_latest_verdict",
    "test_best_verdict",
)


@dataclass
class Cell:
    """One member on one assignment."""

    assignment: Assignment
    state: State
    percent: int = 0
    completed_at: datetime | None = None
    practice_score: int | None = None
    practice_total: int = 0
    test_latest_percent: int | None = None
    latest_verdict: str = ""
    best_verdict: str = ""

    @property
    def state_label(self) -> str:
        return self.state.label

    @property
    def latest_verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.latest_verdict, "")

    @property
    def best_verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.best_verdict, "")


@dataclass
class Row:
    user: object
    cells: list[Cell]

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def progress(self) -> int:
        """The member's mean percent over the assignments shown."""
        if not self.cells:
            return 0
        return sum(c.percent for c in self.cells) // len(self.cells)

    @property
    def complete(self) -> int:
        return sum(1 for c in self.cells if c.state == State.COMPLETE)

    @property
    def urgency(self) -> int:
        return min((rules.STATE_URGENCY[c.state] for c in self.cells), default=99)


@dataclass
class Totals:
    assignment: Assignment
    counts: dict[State, int]

    @property
    def members(self) -> int:
        return sum(self.counts.values())

    @property
    def complete(self) -> int:
        return self.counts[State.COMPLETE]

    @property
    def in_progress(self) -> int:
        return self.counts[State.IN_PROGRESS]

    @property
    def not_started(self) -> int:
        return self.counts[State.NOT_STARTED]

    @property
    def overdue(self) -> int:
        return self.counts[State.OVERDUE]

    @property
    def percent_complete(self) -> int:
        return rules.share(self.complete, self.members)


@dataclass
class TeamReport:
    team: Team
    assignments: list[Assignment]
    rows: list[Row]
    totals: list[Totals]
    timeline: list[rules.Point] = field(default_factory=list)


def _member_ids(team: Team):
    return Membership.objects.learners().filter(team=team).values("user_id")


def _facts_by_user_and_lesson(users, assignments) -> dict[tuple[int, int], tuple]:
    """``{(user_id, lesson_id): (Facts, progress values)}`` in one or two queries."""
    lesson_ids = [a.lesson_id for a in assignments]
    progress = LessonProgress.objects.filter(
        learner__user_id__in=users, lesson_id__in=lesson_ids
    ).values(*PROGRESS_FIELDS)
    reached: dict[tuple[int, int], dict[str, datetime]] = defaultdict(dict)
    verdict_lessons = [a.lesson_id for a in assignments if a.minimum_verdict]
    if verdict_lessons:
        firsts = (
            Attempt.objects.filter(
                learner__user_id__in=users,
                lesson_id__in=verdict_lessons,
                kind=QuestionKind.TEST,
                finished_at__isnull=False,
            )
            .exclude(verdict="")
            .values("learner__user_id", "lesson_id", "verdict")
            .annotate(first=Min("finished_at"))
        )
        for row in firsts:
            reached[row["learner__user_id"], row["lesson_id"]][row["verdict"]] = row["first"]
    result = {}
    for row in progress:
        key = (row["learner__user_id"], row["lesson_id"])
        facts = rules.Facts(
            percent=row["percent"],
            started=row["started_at"] is not None,
            completed_at=row["completed_at"],
            best_verdict=row["test_best_verdict"],
            verdict_reached_at=reached.get(key) or None,
        )
        result[key] = (facts, row)
    return result


def _cell(assignment: Assignment, entry, *, today: date) -> Cell:
    facts, row = entry if entry else (rules.NO_PROGRESS, None)
    minimum = assignment.minimum_verdict
    cell = Cell(
        assignment=assignment,
        state=rules.state(
            facts, due_date=assignment.due_date, today=today, minimum_verdict=minimum
        ),
        percent=facts.percent,
        completed_at=rules.completed_at(facts, minimum_verdict=minimum),
    )
    if row:
        cell.practice_score = row["practice_score"]
        cell.practice_total = row["practice_total"]
        cell.test_latest_percent = _percent(row["test_latest_score"], row["test_latest_total"])
        cell.latest_verdict = row["test_latest_verdict"]
        cell.best_verdict = row["test_best_verdict"]
    return cell


def _percent(score: int | None, total: int | None) -> int | None:
    return None if score is None or not total else rules.share(score, total)


def team_assignments(team: Team) -> list[Assignment]:
    return list(team.assignments.select_related("lesson").order_by("due_date", "pk"))


def team_report(
    team: Team, *, today: date, assignments: list[Assignment] | None = None
) -> TeamReport:
    """Every member of the team on every assignment (or on ``assignments`` only)."""
    if assignments is None:
        assignments = team_assignments(team)
    memberships = list(
        Membership.objects.learners()
        .filter(team=team)
        .select_related("user")
        .order_by("user__username")
    )
    facts = _facts_by_user_and_lesson(_member_ids(team), assignments) if assignments else {}
    rows = [
        Row(
            user=m.user,
            cells=[_cell(a, facts.get((m.user_id, a.lesson_id)), today=today) for a in assignments],
        )
        for m in memberships
    ]
    totals = [
        Totals(assignment=a, counts=rules.state_counts(row.cells[i].state for row in rows))
        for i, a in enumerate(assignments)
    ]
    completions = [
        timezone.localtime(c.completed_at).date()
        for row in rows
        for c in row.cells
        if c.completed_at is not None
    ]
    start = min((timezone.localtime(a.created_at).date() for a in assignments), default=today)
    timeline = rules.completion_timeline(
        completions, total=len(rows) * len(assignments), start=start, end=today
    )
    return TeamReport(
        team=team, assignments=assignments, rows=rows, totals=totals, timeline=timeline
    )


# Sorting the grid ----------------------------------------------------------------------

SORTS = {
    "name": lambda row: (row.name.casefold(), row.user.get_username()),
    "progress": lambda row: (row.progress, row.name.casefold()),
    # Most urgent first: anyone overdue, then not started, in progress, complete.
    "state": lambda row: (row.urgency, row.complete, row.name.casefold()),
}
SORT_LABELS = {
    "name": "name, A to Z",
    "-name": "name, Z to A",
    "progress": "progress, least first",
    "-progress": "progress, most first",
    "state": "state, most urgent first",
    "-state": "state, least urgent first",
}
SORT_CHOICES = list(SORT_LABELS)


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    """Rows in the order ``sort`` names (``-`` first for descending); KeyError if unknown."""
    key = SORTS[sort.removeprefix("-")]
    return sorted(rows, key=key, reverse=sort.startswith("-"))
