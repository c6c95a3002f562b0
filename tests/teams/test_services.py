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
    membership_remove,
    membership_set_role,
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


def test_membership_set_role_makes_a_member_a_manager(team, member):
    """A role changes only for someone already in the team (who accepted to be in it)."""
    membership = team.memberships.get(user=member)
    membership_set_role(team=team, membership=membership, role="manager")
    assert team.memberships.get(user=member).role == "manager"


def test_membership_set_role_refuses_an_unknown_role(team, member):
    membership = team.memberships.get(user=member)
    with pytest.raises(TeamRefused, match="not a team role"):
        membership_set_role(team=team, membership=membership, role="owner")
    assert team.memberships.get(user=member).role == "member"


def test_membership_set_role_refuses_demoting_the_last_manager(team, manager):
    membership = team.memberships.get(user=manager)
    with pytest.raises(TeamRefused, match="at least one manager"):
        membership_set_role(team=team, membership=membership, role="member")
    assert team.memberships.get(user=manager).role == "manager"


def test_membership_set_role_refuses_another_teams_membership(team, other_team):
    theirs = other_team.memberships.get(user__username="mallory")
    with pytest.raises(TeamRefused) as refused:
        membership_set_role(team=team, membership=theirs, role="manager")
    assert refused.value.status == 404
    assert Membership.objects.get(pk=theirs.pk).role == "member"


@pytest.mark.parametrize("slug", ["new", "invitations"])
def test_team_create_refuses_an_address_a_page_uses(slug):
    """/teams/new/ and /teams/invitations/ are pages: a team there could never be opened."""
    with pytest.raises(TeamRefused, match="taken by a page"):
        team_create(name="Pages", slug=slug)
    assert not Team.objects.exists()


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
