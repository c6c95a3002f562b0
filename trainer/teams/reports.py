"""What a team's dashboard, export, reminders and "My learning" read, in fixed queries.

Everything here reads; nothing writes. A report costs the same number of queries for a
team of five as for a team of five hundred: members, assignments, progress and test
attempts are each fetched in one query and joined in Python through ``rules``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import unescape

from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from lessons.markdown import render as render_markdown
from lessons.models import Lesson, Myth, Question, QuestionKind, Step
from quizzes.models import Attempt, Commit, ItemKind, LessonProgress, Verdict

from . import rules
from .models import Assignment, Invitation, Membership, Role, Team
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


# The misconceptions panel --------------------------------------------------------------


@dataclass
class Misconception:
    kind: str
    lesson: Lesson
    label: str
    url: str
    learners: int
    wrong: int
    common_answer: str = ""

    @property
    def kind_label(self) -> str:
        return ItemKind(self.kind).label


ITEM_FIELDS = {ItemKind.STEP: "step_id", ItemKind.MYTH: "myth_id", ItemKind.QUESTION: "question_id"}


def _plain(markdown_source: str, words: int = 20) -> str:
    """A question's stem as one short line of text (its Markdown and code flattened)."""
    text = " ".join(unescape(strip_tags(render_markdown(markdown_source))).split())
    return Truncator(text).words(words)


def misconceptions(
    team: Team, assignments: list[Assignment], *, limit: int = 10
) -> list[Misconception]:
    """The items the team's members answer wrong most often, on the assigned lessons.

    Ranked by how many members got the item wrong, then by wrong answers in all (a
    practice question can be answered wrong again in a later attempt). Answers in a
    pattern test count once that test is finished. Each links to the
    lesson part: ``#step-N``, ``#myth-N``, or ``?q=N#practice`` for a practice question;
    a test question links to the step or myth it teaches.
    """
    lessons = {a.lesson_id: a.lesson for a in assignments}
    if not lessons:
        return []
    wrong = Commit.objects.filter(
        correct=False,
        lesson_id__in=list(lessons),
        learner__user_id__in=_member_ids(team),
        kind__in=list(ITEM_FIELDS),
    ).exclude(
        # A pattern test counts once it is finished: its answers are final then, and a
        # manager sees nothing of a test the member is still taking.
        attempt__kind=QuestionKind.TEST,
        attempt__finished_at=None,
    )
    top = list(
        wrong.values("kind", "step_id", "myth_id", "question_id")
        .annotate(learners=Count("learner_id", distinct=True), wrong=Count("id"))
        .order_by("-learners", "-wrong", "kind", "step_id", "myth_id", "question_id")[:limit]
    )
    ids = {
        kind: [row[name] for row in top if row["kind"] == kind]
        for kind, name in ITEM_FIELDS.items()
    }
    steps = Step.objects.in_bulk(ids[ItemKind.STEP])
    myths = Myth.objects.in_bulk(ids[ItemKind.MYTH])
    questions = Question.objects.select_related("teaches_step", "teaches_myth").in_bulk(
        ids[ItemKind.QUESTION]
    )
    positions = _practice_positions(
        {q.lesson_id for q in questions.values() if q.kind == QuestionKind.PRACTICE}
    )
    answers = _common_answers(wrong, ids)

    result = []
    for row in top:
        kind = row["kind"]
        item_id = row[ITEM_FIELDS[kind]]
        if kind == ItemKind.STEP:
            item = steps[item_id]
            label, anchor = item.title, f"#step-{item.order}"
        elif kind == ItemKind.MYTH:
            item = myths[item_id]
            label, anchor = item.question, f"#myth-{item.order}"
        else:
            item = questions[item_id]
            label, anchor = _plain(item.stem), _question_anchor(item, positions)
        lesson = lessons[item.lesson_id]
        result.append(
            Misconception(
                kind=kind,
                lesson=lesson,
                label=label,
                url=lesson.get_absolute_url() + anchor,
                learners=row["learners"],
                wrong=row["wrong"],
                common_answer=answers.get((kind, item_id), ""),
            )
        )
    return result


def _practice_positions(lesson_ids) -> dict[int, int]:
    """``{question_id: N}`` where N is the ``?q=N`` that opens it on its lesson page."""
    if not lesson_ids:
        return {}
    positions, counters = {}, defaultdict(int)
    for pk, lesson_id in (
        Question.objects.filter(lesson_id__in=lesson_ids, kind=QuestionKind.PRACTICE)
        .order_by("lesson_id", "order", "pk")
        .values_list("pk", "lesson_id")
    ):
        counters[lesson_id] += 1
        positions[pk] = counters[lesson_id]
    return positions


def _question_anchor(question: Question, positions: dict[int, int]) -> str:
    if question.kind == QuestionKind.PRACTICE and question.pk in positions:
        return f"?q={positions[question.pk]}#practice"
    if question.teaches_step_id:
        return f"#step-{question.teaches_step.order}"
    if question.teaches_myth_id:
        return f"#myth-{question.teaches_myth.order}"
    return ""


def _common_answers(wrong, ids) -> dict[tuple[str, int], str]:
    """The wrong answer given most often to each of the top items."""
    items = Q()
    for kind, pks in ids.items():
        if pks:
            items |= Q(kind=kind, **{f"{ITEM_FIELDS[kind]}__in": pks})
    if not items:
        return {}
    best: dict[tuple[str, int], tuple[int, str]] = {}
    for row in (
        wrong.filter(items)
        .values("kind", "step_id", "myth_id", "question_id", "answer_text")
        .annotate(n=Count("id"))
        .order_by("-n", "answer_text")
    ):
        key = (row["kind"], row[ITEM_FIELDS[row["kind"]]])
        best.setdefault(key, (row["n"], row["answer_text"]))
    return {key: Truncator(text).chars(120) for key, (_, text) in best.items()}


# The export ----------------------------------------------------------------------------

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


def _percent(score: int | None, total: int | None) -> int | None:
    return None if score is None or not total else rules.share(score, total)


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


# "My learning" -------------------------------------------------------------------------


@dataclass
class Assigned:
    team: Team
    cell: Cell

    @property
    def assignment(self) -> Assignment:
        return self.cell.assignment


def invitations_for(user) -> list[Invitation]:
    """The open invitations addressed to the user, oldest first."""
    return list(
        Invitation.objects.open()
        .addressed_to(user)
        .select_related("team", "invited_by")
        .order_by("created_at", "pk")
    )


def assigned_to(user, *, today: date) -> list[Assigned]:
    """The user's own assignments, across their teams, soonest due first."""
    if not user.is_authenticated:
        return []
    assignments = list(
        Assignment.objects.filter(
            team__memberships__user=user,
            team__memberships__role=Role.MEMBER,
            lesson__published=True,
        )
        .select_related("lesson", "team")
        .order_by("due_date", "team__name", "pk")
    )
    facts = _facts_by_user_and_lesson([user.pk], assignments) if assignments else {}
    return [
        Assigned(team=a.team, cell=_cell(a, facts.get((user.pk, a.lesson_id)), today=today))
        for a in assignments
    ]
