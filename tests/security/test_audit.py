"""The audit trail: who changed which account, group, permission, team or assignment,
when and from where; read-only in the admin."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from tests.factories import AssignmentFactory, MembershipFactory, TeamFactory, UserFactory
from tests.lessons.test_admin import admin_form
from trainer.audit.models import Action, AuditEvent
from trainer.audit.recorder import HIDDEN, audit_suspended
from trainer.teams import services as teams

from .conftest import enrol, log_in, log_in_verified

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AuditTest/1.0"


def events(obj, action=None):
    found = AuditEvent.objects.for_object(obj).order_by("at", "pk")
    return list(found.filter(action=action) if action else found)


def test_signup_records_the_new_account_from_where_without_the_password(db):
    client = Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT=BROWSER)
    password = "a long unusual passphrase 42"
    client.post(
        reverse("accounts:signup"),
        {"username": "newcomer", "password1": password, "password2": password},
    )
    [event] = AuditEvent.objects.filter(object_type="auth.user", action=Action.CREATE)
    assert event.object_repr == "newcomer"
    assert event.ip == "198.51.100.23"
    assert event.user_agent == BROWSER
    assert event.actor is None
    assert event.changes["username"] == [None, "newcomer"]
    assert event.changes["password"] == [None, HIDDEN]
    assert password not in str(event.changes)
    assert "md5$" not in str(event.changes)


def test_login_records_no_change(client):
    user = UserFactory()
    AuditEvent.objects.all().delete()
    log_in(client, user)
    assert not AuditEvent.objects.exists()


def test_password_change_is_recorded_as_changed_but_not_its_value(client):
    user = UserFactory()
    log_in(client, user)
    new = "a long unusual passphrase 42"
    client.post(
        reverse("accounts:password_change"),
        {"old_password": "correct horse battery", "new_password1": new, "new_password2": new},
    )
    [event] = events(user, Action.UPDATE)
    assert event.changes == {"password": [HIDDEN, HIDDEN]}
    assert event.actor == user
    assert event.actor_repr == user.username


def test_admin_change_records_actor_address_agent_and_each_field(superuser):
    client = log_in_verified(Client(REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT=BROWSER), superuser)
    target = UserFactory(username="alice", email="alice@example.com")
    url = reverse("admin:auth_user_change", args=[target.pk])
    data = {
        "username": "alice",
        "email": "alice@corp.example",
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "10:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = events(target, Action.UPDATE)
    assert event.actor == superuser
    assert event.ip == "203.0.113.5"
    assert event.user_agent == BROWSER
    assert event.changes["email"] == ["alice@example.com", "alice@corp.example"]
    assert event.changes["is_staff"] == [False, True]


def test_admin_save_of_an_unchanged_user_records_no_change(superuser):
    """The admin's form drops microseconds from date_joined; saving it as it is, is no
    change (it used to log date_joined as changed on every save)."""
    client = log_in_verified(Client(), superuser)
    target = UserFactory(username="alice")
    assert target.date_joined.microsecond
    url = reverse("admin:auth_user_change", args=[target.pk])
    response = client.post(url, admin_form(client, url, "user_form"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert events(target, Action.UPDATE) == []


def test_a_date_joined_change_of_a_second_or_more_is_still_recorded(superuser):
    target = UserFactory(username="alice")
    joined = target.date_joined
    target.date_joined = joined.replace(microsecond=0)
    target.save()
    assert events(target, Action.UPDATE) == []
    target.date_joined = joined + datetime.timedelta(seconds=1)
    target.save()
    [event] = events(target, Action.UPDATE)
    assert list(event.changes) == ["date_joined"]


def test_group_and_permission_changes_are_recorded_in_both_directions(db):
    user = UserFactory(username="bob")
    group = Group.objects.create(name="Reviewers")
    permission = Permission.objects.get(codename="view_lesson")
    group.permissions.add(permission)
    user.groups.add(group)
    group.user_set.remove(user)
    user.user_permissions.add(permission)
    user.user_permissions.clear()

    assert [e.changes for e in events(group)] == [
        {"name": [None, "Reviewers"]},
        {"permissions": ["lessons.view_lesson"]},
        {"users": ["bob"]},
    ]
    assert [(e.action, e.changes) for e in events(user)[1:]] == [
        (Action.ADD, {"groups": ["Reviewers"]}),
        (Action.ADD, {"user_permissions": ["lessons.view_lesson"]}),
        (Action.CLEAR, {"user_permissions": ["lessons.view_lesson"]}),
    ]
    assert events(group)[2].action == Action.REMOVE


def test_team_membership_and_assignment_changes_are_recorded(db):
    team = TeamFactory(name="Blue")
    membership = MembershipFactory(team=team, role="member")
    teams.membership_set_role(team=team, membership=membership, role="manager")
    assignment = AssignmentFactory(team=team)
    assignment.due_date += datetime.timedelta(days=7)
    assignment.save()
    team_pk, membership_pk = team.pk, membership.pk
    team.delete()

    def trail(object_type, pk):
        return AuditEvent.objects.filter(object_type=object_type, object_id=str(pk)).order_by("pk")

    assert [e.action for e in trail("teams.team", team_pk)] == [Action.CREATE, Action.DELETE]
    membership_events = trail("teams.membership", membership_pk)
    assert [e.action for e in membership_events] == [Action.CREATE, Action.UPDATE, Action.DELETE]
    assert membership_events[1].changes == {"role": ["member", "manager"]}
    assignment_events = trail("teams.assignment", assignment.pk)
    assert [e.action for e in assignment_events] == [Action.CREATE, Action.UPDATE, Action.DELETE]
    assert list(assignment_events[1].changes) == ["due_date"]


def test_second_factor_devices_are_recorded_without_their_keys(db):
    user = UserFactory()
    device, _ = enrol(user)
    created = AuditEvent.objects.filter(object_type="otp_totp.totpdevice", action=Action.CREATE)
    [event] = created
    assert event.changes["confirmed"] == [None, True]
    assert device.key not in str(event.changes)
    assert "key" not in event.changes


def test_nothing_is_recorded_while_suspended(db):
    with audit_suspended():
        UserFactory()
    assert not AuditEvent.objects.exists()


def test_an_account_deleting_itself_stays_named_as_the_actor(superuser):
    client = log_in_verified(Client(), superuser)
    client.post(reverse("admin:auth_user_delete", args=[superuser.pk]), {"post": "yes"})
    event = AuditEvent.objects.get(object_type="auth.user", action=Action.DELETE)
    assert event.actor_id == superuser.pk
    assert event.actor_repr == "root"
    assert event.object_repr == "root"


def test_trail_is_visible_and_filterable_for_superusers(superuser):
    client = log_in_verified(Client(), superuser)
    UserFactory(username="carol")
    changelist = reverse("admin:audit_auditevent_changelist")
    response = client.get(changelist, {"action__exact": "create", "object_type": "auth.user"})
    assert response.status_code == 200
    assert "carol" in response.content.decode()
    event = AuditEvent.objects.filter(object_repr="carol").get()
    detail = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert "carol" in detail.content.decode()


def test_trail_cannot_be_added_to_edited_or_deleted_even_by_a_superuser(superuser):
    client = log_in_verified(Client(), superuser)
    event = AuditEvent.objects.filter(object_type="auth.user").first()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    assert client.post(change, {"action": "delete"}).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_trail_is_hidden_from_staff_outside_the_auditor_group(staff):
    client = log_in_verified(Client(), staff)
    changelist = reverse("admin:audit_auditevent_changelist")
    assert client.get(changelist).status_code == 403
    staff.groups.add(Group.objects.get(name="Auditor"))
    assert client.get(changelist).status_code == 200
