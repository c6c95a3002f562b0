"""Invitations: a team sees someone only after they accept, and inviting reveals no account."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from quizzes.models import LessonProgress
from quizzes.services import commit_record
from tests.factories import UserFactory, full_lesson
from tests.helpers import page_text
from trainer.audit.models import Action, AuditEvent
from trainer.teams import rules, services
from trainer.teams.models import Invitation, InvitationStatus, Membership, ReminderLog
from trainer.teams.reminders import reminders_send

from .conftest import complete, progress_for

pytestmark = pytest.mark.django_db
SITE = "https://training.example.com"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def url(name, *args):
    return reverse(f"teams:{name}", args=args)


def invite(team, invitee, *, by=None, role="member"):
    return services.invitation_create(team=team, invitee=invitee, invited_by=by, role=role)


@pytest.fixture
def newbie(db):
    return UserFactory(username="newbie", first_name="New", last_name="Bie")


@pytest.fixture
def invited(team, manager, newbie, assignment):
    """newbie, invited to the team, with progress on its assigned lesson and a wrong answer."""
    invitation = invite(team, "newbie", by=manager)
    row = progress_for(newbie, assignment.lesson, percent=60, practice_score=1, practice_total=2)
    myth = assignment.lesson.myths.get(order=1)
    commit_record(learner=row.learner, kind="myth", item=myth, answer="yes")
    return invitation


def answer(client, invitation, verb, **headers):
    return client.post(url(f"invitation-{verb}", invitation.pk), headers=headers)


# What a manager learns from inviting -----------------------------------------------------


def test_members_page_answers_the_same_for_an_account_an_unknown_name_and_an_address(
    client, manager, team, newbie
):
    """No username oracle: the message and the list read the same for a real account, a
    username no one has and an address, and none of them becomes a member."""
    client.force_login(manager)
    texts = []
    for invitee in ["newbie", "ghost", "someone@example.org"]:
        response = client.post(url("members", team.slug), {"invitee": invitee, "role": "member"})
        assert response.status_code == 302
        page = client.get(response["Location"])
        text = page_text(page).replace(invitee, "NAME")
        texts.append(re.search(r"“NAME” is invited\.[^.]*\.[^.]*\.", text).group())
    assert texts[0] == texts[1] == texts[2]
    assert "team sees nothing of them" in texts[0]
    html = client.get(url("members", team.slug)).content.decode()
    assert "New Bie" not in html
    waiting = re.search(r"Waiting for an answer.*?</table>", html, re.S).group()
    rows = re.findall(r'<th scope="row">([^<]*)</th>\s*<td[^>]*>Member</td>', waiting)
    assert rows == ["ghost", "newbie", "someone@example.org"]
    assert not team.memberships.filter(role="member").exists()


def test_members_page_refuses_what_is_neither_a_username_nor_an_address_with_400(
    client, manager, team
):
    client.force_login(manager)
    for invitee in ["two words", "bad@", "@x", "x" * 151, "<script>", "a@b@c"]:
        response = client.post(url("members", team.slug), {"invitee": invitee, "role": "member"})
        assert response.status_code == 400, invitee
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_invitation_create_again_while_open_changes_nothing(team, manager, newbie):
    first = invite(team, "newbie", by=manager)
    again = invite(team, " newbie ", by=manager)
    assert first.pk == again.pk
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_invitation_create_renews_an_expired_invitation(team, manager, newbie):
    first = invite(team, "newbie", by=manager)
    Invitation.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=rules.INVITATION_DAYS + 1)
    )
    again = invite(team, "newbie", by=manager)
    assert again.pk == first.pk
    assert rules.invitation_open(
        status=again.status, created_at=again.created_at, now=timezone.now()
    )
    assert len(mail.outbox) == 2


# Until they accept, the team sees nothing of them -------------------------------------------


def test_a_pending_invitee_is_nowhere_in_the_team_s_pages(client, manager, team, invited):
    """Not in the grid, totals, chart, misconceptions, export, member count or summary."""
    client.force_login(manager)
    dashboard = client.get(team.get_absolute_url())
    assert "newbie" not in dashboard.content.decode()
    report = dashboard.context["report"]
    assert report.rows == []
    assert [t.members for t in report.totals] == [0]
    assert dashboard.context["misconceptions"] == []
    export = client.get(url("export", team.slug)).content.decode()
    assert "newbie" not in export
    assert len(export.strip().splitlines()) == 1
    listing = client.get(url("list"))
    assert listing.context["teams"].get(pk=team.pk).member_count == 0


def test_a_pending_invitee_gets_no_reminder_and_is_not_in_the_summary(team, invited, assignment):
    due = assignment.due_date
    mail.outbox.clear()
    outcome = reminders_send(today=due, weekly=True)
    assert outcome.reminders == 0
    assert not ReminderLog.objects.filter(user=invited.user).exists()
    [summary] = mail.outbox
    assert "(0 members)" in summary.body
    assert "newbie" not in summary.body


# The invited person answers ----------------------------------------------------------------


def test_my_learning_lists_an_open_invitation_with_accept_and_decline(client, invited):
    client.force_login(invited.user)
    response = client.get(reverse("trainer:my-learning"))
    html = response.content.decode()
    assert "Platform security" in html
    accept = url("invitation-accept", invited.pk)
    assert f'action="{accept}" data-hx-post="{accept}"' in html
    assert f'action="{url("invitation-decline", invited.pk)}"' in html
    assert "including what you did on them before joining" in page_text(response)


def test_accepting_shows_the_member_s_progress_on_assigned_lessons_only(
    client, manager, team, invited, assignment
):
    """After accepting, the dashboard and export show the assigned lesson's progress, and
    nothing of a lesson the team did not assign."""
    unassigned = full_lesson(steps=1, practice=1, title="Unassigned secrets")
    complete(invited.user, unassigned)
    client.force_login(invited.user)
    response = answer(client, invited, "accept")
    assert response.status_code == 302
    assert response["Location"] == url("invitations")
    assert "You joined Platform security" in page_text(client.get(response["Location"]))
    assert team.memberships.get(user=invited.user).role == "member"

    client.force_login(manager)
    dashboard = client.get(team.get_absolute_url())
    [row] = dashboard.context["report"].rows
    assert row.user == invited.user
    progress = LessonProgress.objects.get(learner__user=invited.user, lesson=assignment.lesson)
    assert [c.percent for c in row.cells] == [progress.percent]
    assert [m.learners for m in dashboard.context["misconceptions"]] == [1]
    assert "Unassigned secrets" not in dashboard.content.decode()
    export = client.get(url("export", team.slug)).content.decode()
    assert "newbie" in export
    assert "Unassigned secrets" not in export


def test_accepting_with_htmx_swaps_the_invitations_section(client, invited):
    client.force_login(invited.user)
    response = answer(client, invited, "accept", HX_Request="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="invitations"')
    assert "You joined Platform security" in html
    assert "<html" not in html


def test_accepting_twice_is_harmless(client, invited):
    client.force_login(invited.user)
    assert answer(client, invited, "accept").status_code == 302
    assert answer(client, invited, "accept").status_code == 302
    [membership] = Membership.objects.filter(user=invited.user)
    assert [e.action for e in AuditEvent.objects.for_object(membership)] == [Action.CREATE]


def test_declining_keeps_the_team_blind(client, manager, team, invited):
    client.force_login(invited.user)
    response = answer(client, invited, "decline")
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.status == InvitationStatus.DECLINED
    assert not team.memberships.filter(user=invited.user).exists()
    client.force_login(manager)
    assert client.get(team.get_absolute_url()).context["report"].rows == []
    assert "newbie" not in client.get(url("members", team.slug)).content.decode()


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("decline", "accept", "already declined"),
        ("accept", "decline", "already accepted"),
    ],
)
def test_answering_the_other_way_after_an_answer_is_409(client, invited, first, then, message):
    client.force_login(invited.user)
    answer(client, invited, first)
    before = (Invitation.objects.get(pk=invited.pk).status, Membership.objects.count())
    response = answer(client, invited, then)
    assert response.status_code == 409
    assert message in page_text(response)
    assert (Invitation.objects.get(pk=invited.pk).status, Membership.objects.count()) == before
    htmx = answer(client, invited, then, HX_Request="true")
    assert htmx.status_code == 409
    assert message in htmx.content.decode()


def test_an_expired_or_withdrawn_invitation_cannot_be_accepted(client, team, invited):
    client.force_login(invited.user)
    Invitation.objects.filter(pk=invited.pk).update(
        created_at=timezone.now() - timedelta(days=rules.INVITATION_DAYS, seconds=1)
    )
    response = answer(client, invited, "accept")
    assert response.status_code == 409
    assert "expired" in page_text(response)
    Invitation.objects.filter(pk=invited.pk).update(
        created_at=timezone.now(), status=InvitationStatus.REVOKED
    )
    response = answer(client, invited, "accept")
    assert response.status_code == 409
    assert "withdrawn" in page_text(response)
    assert not team.memberships.filter(user=invited.user).exists()


def test_someone_else_s_invitation_is_404_and_unchanged(client, team, invited, member):
    """Another learner (even one in the team) cannot accept or decline it."""
    client.force_login(member)
    for verb in ("accept", "decline"):
        assert answer(client, invited, verb).status_code == 404
    assert Invitation.objects.get(pk=invited.pk).status == InvitationStatus.PENDING
    assert not team.memberships.filter(user=invited.user).exists()
    assert client.post(url("invitation-accept", 999_999)).status_code == 404
    # An e-mailed invitation is answered through its link only, never by its id.
    by_email = invite(team, "member@example.org")
    assert answer(client, by_email, "accept").status_code == 404
    assert Invitation.objects.get(pk=by_email.pk).status == InvitationStatus.PENDING


def test_answering_needs_a_post_with_csrf_and_a_signed_in_person(client, invited):
    client.force_login(invited.user)
    assert client.get(url("invitation-accept", invited.pk)).status_code == 405
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(invited.user)
    assert strict.post(url("invitation-accept", invited.pk)).status_code == 403
    client.logout()
    response = answer(client, invited, "accept")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert Invitation.objects.get(pk=invited.pk).status == InvitationStatus.PENDING


# Invitations by e-mail ----------------------------------------------------------------------


def claim_link(message):
    found = re.search(rf"{re.escape(SITE)}(/teams/invitations/join/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_an_address_gets_an_e_mail_with_absolute_links_and_whoever_opens_it_answers(
    client, manager, team
):
    invitation = invite(team, "Someone@Example.org", by=manager)
    [message] = mail.outbox
    assert message.to == ["someone@example.org"]
    assert f"{SITE}{reverse('accounts:signup')}" in message.body
    assert "Platform security" in message.subject
    link = claim_link(message)
    assert invitation.token_hash not in message.body

    page = client.get(link)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:login"))

    person = UserFactory(username="someone")
    client.force_login(person)
    page = client.get(link)
    assert page.status_code == 200
    assert "signed in as someone" in page_text(page)
    assert client.post(link, {"answer": "maybe"}).status_code == 400
    assert not team.memberships.filter(user=person).exists()
    response = client.post(link, {"answer": "accept"})
    assert response.status_code == 302
    assert team.memberships.filter(user=person, role="member").exists()
    assert client.get(link).status_code == 404
    assert client.post(link, {"answer": "accept"}).status_code == 404


def test_a_claim_link_with_a_wrong_or_mangled_token_is_404(client, manager, team):
    invite(team, "someone@example.org", by=manager)
    client.force_login(UserFactory())
    for token in ["x" * 43, "x" * 500, "%C3%BC"]:
        assert client.get(f"/teams/invitations/join/{token}/").status_code == 404
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_an_account_invited_by_username_is_told_by_e_mail_with_an_absolute_link(
    team, manager, newbie
):
    invite(team, "newbie", by=manager)
    [message] = mail.outbox
    assert message.to == [newbie.email]
    assert f"{SITE}{url('invitations')}" in message.body
    assert re.findall(r"https?://\S+", message.body) == [f"{SITE}{url('invitations')}"]


def test_a_username_no_account_has_gets_no_e_mail(team, manager):
    invite(team, "ghost", by=manager)
    assert mail.outbox == []
    assert Invitation.objects.get().user is None


# Managers withdraw; members leave -----------------------------------------------------------


def test_manager_withdraws_an_invitation(client, manager, team, invited):
    client.force_login(manager)
    response = client.post(url("invitation-revoke", team.slug, invited.pk))
    assert response.status_code == 302
    assert Invitation.objects.get(pk=invited.pk).status == InvitationStatus.REVOKED
    client.force_login(invited.user)
    assert "Platform security" not in client.get(reverse("trainer:my-learning")).content.decode()


def test_withdrawing_another_team_s_invitation_is_404(client, manager, team, other_team):
    theirs = invite(other_team, "someone")
    client.force_login(manager)
    assert client.post(url("invitation-revoke", team.slug, theirs.pk)).status_code == 404
    assert client.post(url("invitation-revoke", other_team.slug, theirs.pk)).status_code == 404
    assert Invitation.objects.get(pk=theirs.pk).status == InvitationStatus.PENDING


def test_an_invitee_or_member_cannot_withdraw(client, team, invited, member):
    for person in (invited.user, member):
        client.force_login(person)
        assert client.post(url("invitation-revoke", team.slug, invited.pk)).status_code == 404
    assert Invitation.objects.get(pk=invited.pk).status == InvitationStatus.PENDING


def test_a_member_leaves_and_the_team_sees_nothing_of_them(client, manager, team, member):
    client.force_login(member)
    page = client.get(url("invitations"))
    assert f'action="{url("leave", team.slug)}"' in page.content.decode()
    response = client.post(url("leave", team.slug))
    assert response.status_code == 302
    assert not team.memberships.filter(user=member).exists()
    client.force_login(manager)
    assert client.get(team.get_absolute_url()).context["report"].rows == []


def test_leaving_a_team_one_is_not_in_is_404(client, member, other_team):
    client.force_login(member)
    assert client.post(url("leave", other_team.slug)).status_code == 404
    assert client.post(url("leave", "no-such-team")).status_code == 404
    assert other_team.memberships.count() == 2


def test_the_last_manager_cannot_leave(client, manager, team):
    client.force_login(manager)
    response = client.post(url("leave", team.slug))
    assert response.status_code == 409
    assert "A team keeps at least one manager." in page_text(response)
    assert team.memberships.filter(user=manager).exists()


# The audit trail ----------------------------------------------------------------------------


def test_invite_accept_decline_withdraw_and_leave_are_in_the_audit_trail(
    client, manager, team, newbie
):
    client.force_login(manager)
    client.post(url("members", team.slug), {"invitee": "newbie", "role": "member"})
    client.post(url("members", team.slug), {"invitee": "other@example.org", "role": "member"})
    accepted, by_email = Invitation.objects.order_by("pk")
    client.post(url("invitation-revoke", team.slug, by_email.pk))
    client.force_login(newbie)
    answer(client, accepted, "accept")
    membership = team.memberships.get(user=newbie)
    client.post(url("leave", team.slug))

    def trail(obj_type, pk):
        events = AuditEvent.objects.filter(object_type=obj_type, object_id=str(pk))
        return [(e.actor_repr, e.action, e.changes) for e in events.order_by("pk")]

    invited, accept = trail("teams.invitation", accepted.pk)
    assert invited[:2] == ("boss", Action.CREATE)
    assert invited[2]["invitee"] == [None, "newbie"]
    assert accept[:2] == ("newbie", Action.UPDATE)
    assert accept[2]["status"] == ["pending", "accepted"]
    email_created, withdrawn = trail("teams.invitation", by_email.pk)
    assert email_created[2]["token_hash"] == [None, "(hidden)"]
    assert withdrawn[2]["status"] == ["pending", "revoked"]
    joined, left = trail("teams.membership", membership.pk)
    assert joined[:2] == ("newbie", Action.CREATE)
    assert left[:2] == ("newbie", Action.DELETE)


def test_declining_is_in_the_audit_trail(client, invited):
    client.force_login(invited.user)
    answer(client, invited, "decline")
    last = AuditEvent.objects.for_object(invited).order_by("pk").last()
    assert (last.actor_repr, last.changes["status"]) == ("newbie", ["pending", "declined"])


# The rule ----------------------------------------------------------------------------------


@given(
    status=st.sampled_from(InvitationStatus.values),
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
)
def test_invitation_open_only_while_pending_and_younger_than_the_limit(status, age):
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    expected = status == "pending" and age < timedelta(days=rules.INVITATION_DAYS)
    assert rules.invitation_open(status=status, created_at=now - age, now=now) is expected
