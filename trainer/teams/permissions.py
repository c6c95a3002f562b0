"""Who may see and change which team: plain functions, tested without HTTP.

A learner sees only their own record (on "My learning"); a manager sees and runs only the
teams they manage; staff holding the teams permissions (or a superuser) see every team
and create teams. Views look a team up through ``teams_visible_to`` or
``teams_managed_by``, so another team's slug answers 404 and reveals nothing.
"""

from .models import Membership, Role, Team, TeamQuerySet


def _staff_with(user, perm: str) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm(perm)))
    )


def sees_all_teams(user) -> bool:
    return _staff_with(user, "teams.view_team")


def runs_all_teams(user) -> bool:
    return _staff_with(user, "teams.change_team")


def can_create_team(user) -> bool:
    return _staff_with(user, "teams.add_team")


def teams_visible_to(user) -> TeamQuerySet:
    """Teams whose dashboard and export the user may read."""
    if sees_all_teams(user):
        return Team.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    return Team.objects.managed_by(user)


def teams_managed_by(user) -> TeamQuerySet:
    """Teams whose members and assignments the user may change."""
    if runs_all_teams(user):
        return Team.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    return Team.objects.managed_by(user)


def can_view_team(user, team: Team) -> bool:
    return teams_visible_to(user).filter(pk=team.pk).exists()


def can_manage_team(user, team: Team) -> bool:
    return teams_managed_by(user).filter(pk=team.pk).exists()


def has_teams_page(user) -> bool:
    """Whether the site navigation offers the user "My teams"."""
    if sees_all_teams(user) or can_create_team(user):
        return True
    return (
        user.is_authenticated and Membership.objects.filter(user=user, role=Role.MANAGER).exists()
    )
