"""What "My learning" shows a member: their assignments and open invitations."""

from dataclasses import dataclass
from datetime import date

from quizzes.models import Verdict

from .models import Assignment, Invitation, Role, Team
from .reports import Cell, _cell, _facts_by_user_and_lesson

VERDICT_LABELS = dict(Verdict.choices)


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
