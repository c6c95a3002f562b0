"""Every write to teams goes through here: keyword-only, validated, atomic, repeatable.

None of these touches a learner's progress or scores; those belong to ``quizzes``.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from lessons.models import Lesson

from .models import Assignment, Membership, Role, Team


class TeamRefused(Exception):
    """The change cannot be made; ``status`` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _active_user(username: str):
    User = get_user_model()
    username = username.strip()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
    if user is None:
        raise TeamRefused(f"There is no active user called “{username}”.")
    return user


def team_create(*, name: str, slug: str = "", manager_usernames: Iterable[str] = ()) -> Team:
    """A new team, its slug taken from the name unless given, with its first managers."""
    slug = slug or slugify(name)[:80]
    if not slug:
        raise TeamRefused("A team needs a name with at least one letter or digit.")
    managers = [_active_user(username) for username in manager_usernames]
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, slug=slug)
            # One by one, not bulk_create: each membership must reach the audit trail.
            for user in set(managers):
                Membership.objects.create(team=team, user=user, role=Role.MANAGER)
    except IntegrityError as error:
        raise TeamRefused(f"A team with the address “{slug}” already exists.", 409) from error
    return team


def membership_add(
    *, team: Team, username: str, role: str = Role.MEMBER
) -> tuple[Membership, bool]:
    """Add the user called ``username`` to the team; return ``(membership, created)``.

    Adding someone already in the team changes only their role.
    """
    if role not in Role.values:
        raise TeamRefused("That is not a team role.")
    user = _active_user(username)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            team=team, user=user, defaults={"role": role}
        )
        if not created and membership.role != role:
            _keep_a_manager(team=team, leaving=membership, new_role=role)
            membership.role = role
            membership.save(update_fields=["role"])
    return membership, created


def membership_remove(*, team: Team, membership: Membership) -> None:
    """Take someone out of the team; their own progress stays theirs."""
    if membership.team_id != team.pk:
        raise TeamRefused("That person is not in this team.", 404)
    with transaction.atomic():
        _keep_a_manager(team=team, leaving=membership, new_role=None)
        membership.delete()


def _keep_a_manager(*, team: Team, leaving: Membership, new_role) -> None:
    # A team left without a manager could only be run by staff again. The team's row is
    # locked so two managers removing each other at once cannot both succeed.
    if leaving.role != Role.MANAGER or new_role == Role.MANAGER:
        return
    Team.objects.select_for_update().filter(pk=team.pk).exists()
    others = Membership.objects.filter(team=team, role=Role.MANAGER).exclude(pk=leaving.pk)
    if not others.exists():
        raise TeamRefused("A team keeps at least one manager.", 409)


def assignment_create(
    *,
    team: Team,
    lesson: Lesson,
    due_date: date,
    minimum_verdict: str = "",
    created_by=None,
) -> Assignment:
    """Assign a published lesson to the team; assigning it twice is refused."""
    if not lesson.published:
        raise TeamRefused("Only a published lesson can be assigned.")
    try:
        with transaction.atomic():
            return Assignment.objects.create(
                team=team,
                lesson=lesson,
                due_date=due_date,
                minimum_verdict=minimum_verdict,
                created_by=created_by,
            )
    except IntegrityError as error:
        raise TeamRefused("This lesson is already assigned to the team.", 409) from error


def assignment_update(
    *, assignment: Assignment, due_date: date, minimum_verdict: str = ""
) -> Assignment:
    assignment.due_date = due_date
    assignment.minimum_verdict = minimum_verdict
    assignment.save(update_fields=["due_date", "minimum_verdict"])
    return assignment


def assignment_delete(*, assignment: Assignment) -> None:
    """Withdraw the assignment; members keep their progress on the lesson."""
    assignment.delete()
