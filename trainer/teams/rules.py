"""Where a member stands on an assignment: plain values in, plain values out, no database.

State of one member on one assignment (shown on the dashboard, in the export, on
"My learning" and in reminders):
    complete     the requirement is met: the lesson is complete (``completed_at`` is set)
                 and, when the assignment asks for a minimum pattern-test verdict, the
                 member's best verdict reaches it (strong > almost > needs work).
    overdue      not complete and the due date has passed (today > due date).
    in progress  not complete, not overdue, and the member has started the lesson.
    not started  none of the above: no progress on the lesson yet.

Completed at: when the requirement was first met. Without a minimum verdict that is the
lesson's ``completed_at``. With one, it is the later of ``completed_at`` and the moment
the first test attempt reaching the minimum finished; if no such attempt is known (the
summary says the verdict was reached but the attempt is gone), ``completed_at`` stands.

Consent: what a team sees of a person.
    invited      a manager invited them (by username or e-mail address). The team sees
                 nothing of them: not in the grid, totals, chart, export, misconceptions,
                 reminders, summaries or member counts. The manager sees only what they
                 typed and that no answer came yet, the same whether or not an account
                 answers to it.
    open         an invitation is open while pending and younger than INVITATION_DAYS;
                 after that it can no longer be accepted (invite again).
    member       they accepted. What they consented to share is their progress toward the
                 team's assigned lessons: for each assigned lesson, their state, percent,
                 completion time, practice and test figures and wrong answers, including
                 what they did on that lesson before joining (a lesson's progress is one
                 record). Nothing of any lesson the team has not assigned is shown.
    declined, revoked, left
                 as if never invited: the team sees nothing of them again, and their own
                 progress stays theirs.
Memberships from before invitations existed count as accepted: they were made by staff
or a manager when that was the only way, and removing them would silently empty teams.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models

from quizzes.scoring import verdict_meets

DUE_SOON_DAYS = 3
INVITATION_DAYS = 14


class State(models.TextChoices):
    NOT_STARTED = "not-started", "Not started"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETE = "complete", "Complete"
    OVERDUE = "overdue", "Overdue"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"


# Most urgent first: the order a manager wants to read a team in.
STATE_URGENCY = {State.OVERDUE: 0, State.NOT_STARTED: 1, State.IN_PROGRESS: 2, State.COMPLETE: 3}


@dataclass(frozen=True)
class Facts:
    """What the rules need from a member's ``LessonProgress`` (and their test attempts)."""

    percent: int = 0
    started: bool = False
    completed_at: datetime | None = None
    best_verdict: str = ""
    # When the member's test attempts first reached each verdict, e.g. {"almost": t}.
    verdict_reached_at: dict[str, datetime] | None = None


NO_PROGRESS = Facts()


def requirement_met(facts: Facts, *, minimum_verdict: str = "") -> bool:
    return facts.completed_at is not None and verdict_meets(facts.best_verdict, minimum_verdict)


def completed_at(facts: Facts, *, minimum_verdict: str = "") -> datetime | None:
    """When the requirement was first met, or None while it is not (see the module doc)."""
    if not requirement_met(facts, minimum_verdict=minimum_verdict):
        return None
    if not minimum_verdict:
        return facts.completed_at
    reached = [
        moment
        for verdict, moment in (facts.verdict_reached_at or {}).items()
        if verdict_meets(verdict, minimum_verdict)
    ]
    return max(facts.completed_at, min(reached)) if reached else facts.completed_at


def state(facts: Facts, *, due_date: date, today: date, minimum_verdict: str = "") -> State:
    if requirement_met(facts, minimum_verdict=minimum_verdict):
        return State.COMPLETE
    if today > due_date:
        return State.OVERDUE
    if facts.started:
        return State.IN_PROGRESS
    return State.NOT_STARTED


def reminder_due(current: State, *, due_date: date, today: date) -> bool:
    """Whether a member should be reminded today: not complete, due within three days."""
    if current == State.COMPLETE:
        return False
    return due_date - today <= timedelta(days=DUE_SOON_DAYS)


def invitation_cutoff(now: datetime) -> datetime:
    """Invitations made at or before this moment are no longer open."""
    return now - timedelta(days=INVITATION_DAYS)


def invitation_expires_at(created_at: datetime) -> datetime:
    return created_at + timedelta(days=INVITATION_DAYS)


def invitation_open(*, status: str, created_at: datetime, now: datetime) -> bool:
    """Whether an invitation can still be accepted or declined (see "Consent")."""
    return status == InvitationStatus.PENDING and created_at > invitation_cutoff(now)


def state_counts(states: Iterable[State]) -> dict[State, int]:
    """How many members are in each state, every state present (zero when none)."""
    counted = Counter(states)
    return {s: counted.get(s, 0) for s in State}


def share(part: int, whole: int) -> int:
    """``part`` as a whole percentage of ``whole``, rounded down; 0 of nothing is 0."""
    return 100 * part // whole if whole else 0


@dataclass(frozen=True)
class Point:
    day: date
    done: int
    percent: int


def completion_timeline(
    completions: Iterable[date], *, total: int, start: date, end: date, points: int = 12
) -> list[Point]:
    """Cumulative completions (of ``total`` member-assignment pairs) at evenly spaced days.

    The days run from ``start`` to ``end`` inclusive, at most ``points`` of them, the last
    always ``end``. A completion counts on its day and every day after.
    """
    if end < start:
        start = end
    span = (end - start).days
    step = max(1, math.ceil(span / max(points - 1, 1)))
    days = [end - timedelta(days=step * i) for i in reversed(range(points))]
    days = [day for day in days if day >= start]
    ordered = sorted(completions)
    result = []
    index = 0
    for day in days:
        while index < len(ordered) and ordered[index] <= day:
            index += 1
        result.append(Point(day=day, done=index, percent=share(index, total)))
    return result


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    point: Point


def chart_bars(timeline: list[Point], *, width: int, height: int, gap: int = 4) -> list[Bar]:
    """Geometry for an SVG bar per point: the bar's height is its percent of ``height``."""
    if not timeline:
        return []
    slot = width / len(timeline)
    bar_width = max(slot - gap, 1)
    bars = []
    for i, point in enumerate(timeline):
        bar_height = height * point.percent / 100
        bars.append(
            Bar(
                x=round(i * slot + gap / 2, 2),
                y=round(height - bar_height, 2),
                width=round(bar_width, 2),
                height=round(bar_height, 2),
                point=point,
            )
        )
    return bars
