"""Who may see and run which team, checked without HTTP."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from tests.factories import MembershipFactory, TeamFactory, UserFactory
from trainer.teams import permissions

pytestmark = pytest.mark.django_db


def staff(*codenames, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_teams_visible_to_a_manager_are_only_the_teams_they_manage(manager, team, other_team):
    elsewhere = TeamFactory()
    MembershipFactory(team=elsewhere, user=manager)  # a plain member there
    assert list(permissions.teams_visible_to(manager)) == [team]
    assert list(permissions.teams_managed_by(manager)) == [team]


def test_teams_visible_to_a_learner_are_none(member, team):
    assert not permissions.teams_visible_to(member).exists()
    assert not permissions.can_view_team(member, team)
    assert not permissions.can_manage_team(member, team)


def test_teams_visible_to_an_anonymous_visitor_are_none(team):
    assert not permissions.teams_visible_to(AnonymousUser()).exists()
    assert not permissions.has_teams_page(AnonymousUser())


def test_teams_visible_to_an_inactive_manager_are_none(manager, team):
    manager.is_active = False
    manager.save()
    assert not permissions.teams_visible_to(manager).exists()


def test_staff_who_may_view_teams_see_all_but_run_none(team, other_team):
    viewer = staff("view_team")
    assert set(permissions.teams_visible_to(viewer)) == {team, other_team}
    assert not permissions.teams_managed_by(viewer).exists()
    assert not permissions.can_create_team(viewer)


def test_staff_who_may_change_teams_run_all(team, other_team):
    runner = staff("change_team")
    assert permissions.can_manage_team(runner, other_team)


def test_staff_without_teams_permissions_see_no_team(team):
    instructor = staff("view_lesson", "change_lesson")
    assert not permissions.teams_visible_to(instructor).exists()
    assert not permissions.has_teams_page(instructor)


def test_a_teams_permission_without_staff_status_grants_nothing(team):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_team", "add_team"]))
    assert not permissions.teams_visible_to(user).exists()
    assert not permissions.can_create_team(user)


def test_superuser_sees_runs_and_creates_teams(team):
    root = UserFactory(is_staff=True, is_superuser=True)
    assert permissions.can_view_team(root, team)
    assert permissions.can_manage_team(root, team)
    assert permissions.can_create_team(root)


def test_can_create_team_needs_the_add_permission():
    assert permissions.can_create_team(staff("add_team"))
    assert not permissions.can_create_team(UserFactory())


def test_has_teams_page_for_managers_and_team_staff_only(manager, member):
    assert permissions.has_teams_page(manager)
    assert permissions.has_teams_page(staff("view_team"))
    assert not permissions.has_teams_page(member)
