"""Writes to teams: validated, atomic, and never touching anyone's progress."""

from datetime import date

import pytest

from tests.factories import LessonFactory, MembershipFactory, UserFactory
from trainer.teams.models import Assignment, Membership, Team
from trainer.teams.services import (
    TeamRefused,
    assignment_create,
    assignment_delete,
    assignment_update,
    membership_add,
    membership_remove,
    team_create,
)

pytestmark = pytest.mark.django_db
DUE = date(2999, 1, 15)


def test_team_create_takes_its_slug_from_the_name_and_adds_managers():
    boss = UserFactory(username="boss")
    team = team_create(name="Cloud Ops & Security", manager_usernames=["boss"])
    assert team.slug == "cloud-ops-security"
    assert list(team.memberships.values_list("user", "role")) == [(boss.pk, "manager")]


def test_team_create_refuses_a_taken_slug(team):
    with pytest.raises(TeamRefused, match="already exists") as refused:
        team_create(name="Another", slug=team.slug)
    assert refused.value.status == 409


def test_team_create_refuses_a_name_without_letters():
    with pytest.raises(TeamRefused, match="at least one letter"):
        team_create(name="!!!")
    assert not Team.objects.exists()


def test_team_create_with_an_unknown_manager_creates_nothing():
    with pytest.raises(TeamRefused, match="no active user"):
        team_create(name="Ghosts", manager_usernames=["nobody"])
    assert not Team.objects.exists()


def test_membership_add_adds_a_member_once(team):
    UserFactory(username="newbie")
    first, created = membership_add(team=team, username=" newbie ")
    again, created_again = membership_add(team=team, username="newbie")
    assert (created, created_again) == (True, False)
    assert first == again
    assert first.role == "member"


def test_membership_add_again_changes_the_role(team, member):
    membership, created = membership_add(team=team, username="alice", role="manager")
    assert not created
    assert membership.role == "manager"


def test_membership_add_refuses_inactive_and_unknown_users(team):
    UserFactory(username="gone", is_active=False)
    for name in ("gone", "ghost"):
        with pytest.raises(TeamRefused, match="no active user"):
            membership_add(team=team, username=name)
    assert not team.memberships.exists()


def test_membership_add_refuses_an_unknown_role(team):
    UserFactory(username="newbie")
    with pytest.raises(TeamRefused, match="not a team role"):
        membership_add(team=team, username="newbie", role="owner")


def test_membership_add_refuses_demoting_the_last_manager(team, manager):
    with pytest.raises(TeamRefused, match="at least one manager"):
        membership_add(team=team, username="boss", role="member")
    assert team.memberships.get(user=manager).role == "manager"


def test_membership_remove_refuses_another_teams_membership(team, other_team):
    theirs = other_team.memberships.get(user__username="mallory")
    with pytest.raises(TeamRefused) as refused:
        membership_remove(team=team, membership=theirs)
    assert refused.value.status == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_membership_remove_of_a_manager_when_another_remains(team, manager):
    second = MembershipFactory(team=team, role="manager")
    membership_remove(team=team, membership=team.memberships.get(user=manager))
    assert list(team.memberships.all()) == [second]


def test_assignment_create_records_who_assigned_it(team, lesson, manager):
    assignment = assignment_create(
        team=team, lesson=lesson, due_date=DUE, minimum_verdict="strong", created_by=manager
    )
    assert (assignment.due_date, assignment.minimum_verdict) == (DUE, "strong")
    assert assignment.created_by == manager


def test_assignment_create_twice_is_refused(team, lesson):
    assignment_create(team=team, lesson=lesson, due_date=DUE)
    with pytest.raises(TeamRefused, match="already assigned") as refused:
        assignment_create(team=team, lesson=lesson, due_date=date(2999, 2, 1))
    assert refused.value.status == 409
    assert Assignment.objects.get().due_date == DUE


def test_assignment_create_refuses_a_draft(team):
    with pytest.raises(TeamRefused, match="published"):
        assignment_create(team=team, lesson=LessonFactory(published=False), due_date=DUE)


def test_assignment_update_and_delete(assignment):
    assignment_update(assignment=assignment, due_date=DUE, minimum_verdict="almost")
    assignment.refresh_from_db()
    assert (assignment.due_date, assignment.minimum_verdict) == (DUE, "almost")
    assignment_delete(assignment=assignment)
    assert not Assignment.objects.exists()
