"""Inviting from a CSV file: upload, preview, apply; bad files and replays change nothing."""

import re
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.helpers import log_in_verified, page_text
from trainer.audit.models import Action, AuditEvent
from trainer.teams import roster_import, services
from trainer.teams.forms import IMPORT_SALT, preview_token
from trainer.teams.models import Invitation, InvitationStatus, Membership
from trainer.teams.roster import Row

from .conftest import progress_for

pytestmark = pytest.mark.django_db
SITE = "https://training.example.com"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def url(name, *args):
    return reverse(f"teams:{name}", args=args)


def csv_file(content, name="people.csv"):
    data = content if isinstance(content, bytes) else content.encode()
    return SimpleUploadedFile(name, data, content_type="text/csv")


def upload(client, team, content, role="member", **headers):
    return client.post(
        url("invitation-import", team.slug),
        {"file": csv_file(content), "role": role},
        headers=headers,
    )


def token_of(response):
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found, "the preview offers no apply form"
    return found.group(1)


def apply(client, team, token):
    return client.post(url("invitation-import-apply", team.slug), {"token": token})


def nothing_written():
    return not Invitation.objects.exists() and mail.outbox == []


def rows_of(response):
    """Each previewed address with what will happen to it, as a reader sees the table."""
    table = re.search(r"Addresses in the file.*?</table>", response.content.decode(), re.S)
    cells = re.findall(
        r"<th scope=\"row\">([^<]+)</th>.*?import-status-\w+\">([^<]+)<", table[0], re.S
    )
    return dict(cells)


def skipped_of(response):
    """The skipped lines as (line, text, why), as a reader sees the table."""
    table = re.search(r"Lines that will be skipped.*?</table>", response.content.decode(), re.S)
    rows = re.findall(
        r"<tr><th scope=\"row\">(\d+)</th><td><code>([^<]*)</code></td><td>([^<]+)</td>", table[0]
    )
    return [(int(line), unescape(text), why) for line, text, why in rows]


def same_page(html):
    """A page without what differs between any two responses: nonces and CSRF tokens."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="(csrfmiddlewaretoken|token)" value="[^"]+"', "", html)


# Upload and preview ------------------------------------------------------------------------


def test_members_page_links_to_the_import(client, manager, team):
    """The Members page leads to the CSV import."""
    client.force_login(manager)
    html = client.get(url("members", team.slug)).content.decode()
    assert f'href="{url("invitation-import", team.slug)}"' in html


def test_import_page_offers_a_file_upload_form(client, manager, team):
    """The import page is a multipart form that states its limits."""
    client.force_login(manager)
    response = client.get(url("invitation-import", team.slug))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html
    assert "at most 1,000 lines and 512 KB" in page_text(response)


def test_preview_lists_each_line_and_writes_nothing(client, manager, team, member):
    """Will be invited, already invited, already in the team, invalid lines with their
    numbers and repeats: all shown before anything is sent, and nothing is written."""
    services.invitation_create(team=team, invitee="waiting@example.com", invited_by=manager)
    mail.outbox.clear()
    content = (
        "Email;Role\n"
        "new@example.com;manager\n"
        "Waiting@example.com\n"
        "alice@example.com\n"
        "no-at-sign\n"
        '=HYPERLINK("http://evil.example")@x.com\n'
        "NEW@example.com\n"
    )
    client.force_login(manager)
    response = upload(client, team, content)
    assert response.status_code == 200
    assert rows_of(response) == {
        "new@example.com": "Will be invited",
        "waiting@example.com": "Already invited",
        "alice@example.com": "Already in the team",
    }
    text = page_text(response)
    assert "1 will be invited" in text
    assert "2 already invited or in the team, left alone" in text
    assert skipped_of(response) == [
        (5, "no-at-sign", "Not an e-mail address"),
        (
            6,
            '=HYPERLINK("http://evil.example")@x.com',
            "Starts like a spreadsheet formula (=, +, - or @)",
        ),
        (7, "NEW@example.com", "Repeated: already on line 2"),
    ]
    assert "Invite 1 person" in text
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_preview_does_not_tell_whether_an_address_has_an_account(client, manager, team):
    """No account oracle: an address some account outside the team uses reads exactly
    like one nobody uses."""
    UserFactory(username="outsider", email="outsider@example.com")
    client.force_login(manager)
    known = upload(client, team, "outsider@example.com\n")
    unknown = upload(client, team, "nobody@example.com\n")
    assert rows_of(known) == {"outsider@example.com": "Will be invited"}
    known_page = same_page(known.content.decode()).replace("outsider@example.com", "ADDRESS")
    unknown_page = same_page(unknown.content.decode()).replace("nobody@example.com", "ADDRESS")
    assert known_page == unknown_page


def test_preview_with_no_valid_line_is_400_and_names_the_lines(client, manager, team):
    """A file with no address to invite is 400, its bad lines named, nothing to apply."""
    client.force_login(manager)
    response = upload(client, team, "alice\nbob\n")
    assert response.status_code == 400
    assert "No line of the file holds an e-mail address that can be invited" in page_text(response)
    assert skipped_of(response) == [
        (1, "alice", "Not an e-mail address"),
        (2, "bob", "Not an e-mail address"),
    ]
    assert 'name="token"' not in response.content.decode()


def test_preview_when_everyone_is_already_there_offers_no_apply(client, manager, team, member):
    """When every address is a member or invited, the preview says so and offers no apply."""
    client.force_login(manager)
    response = upload(client, team, "alice@example.com\nBOSS@example.com\n")
    assert response.status_code == 200
    assert "Everyone in the file is already invited or in the team" in page_text(response)
    assert 'name="token"' not in response.content.decode()


# Files refused whole -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("".join(f"p{n}@example.com\n" for n in range(10_000)), "has 10,000 rows; at most 1,000"),
        ("zoë@exämple.com\n".encode("latin-1"), "not UTF-8 text (line 1 cannot be read)"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not a text file"),
        (b"", "The file is empty"),
        ("email\n", "a header and no e-mail address"),
    ],
    ids=["10,000 rows", "latin-1", "xlsx", "empty", "header only"],
)
def test_import_refuses_a_bad_file_with_400_and_a_message(client, manager, team, content, message):
    """A file refused whole answers 400 with the reason, offers no apply and writes nothing."""
    client.force_login(manager)
    response = upload(client, team, content)
    assert response.status_code == 400
    assert message in page_text(response)
    assert 'name="token"' not in response.content.decode()
    assert nothing_written()


def test_import_refuses_a_file_over_its_byte_limit_below_the_request_limit(
    client, manager, team, settings
):
    """The import's own limit answers first with a message, well below MAX_REQUEST_BYTES."""
    assert settings.TEAM_IMPORT_MAX_BYTES < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    settings.TEAM_IMPORT_MAX_BYTES = 1024
    client.force_login(manager)
    response = upload(client, team, "ann@example.com\n" * 100)
    assert response.status_code == 400
    assert "The file is larger than 1 KB" in page_text(response)
    assert nothing_written()


def test_import_without_a_file_or_with_a_bad_role_is_400(client, manager, team):
    """A post without a file, or with a role that is not a team role, is 400 and writes nothing."""
    client.force_login(manager)
    response = client.post(url("invitation-import", team.slug), {"role": "member"})
    assert response.status_code == 400
    assert "This field is required" in page_text(response)
    response = upload(client, team, "ann@example.com\n", role="owner")
    assert response.status_code == 400
    assert nothing_written()


def test_import_limit_check_refuses_a_file_limit_above_the_request_limit(settings):
    """`check` fails when the file limit would not fit in a request."""
    from trainer.teams.apps import import_limit_check

    assert import_limit_check() == []
    settings.TEAM_IMPORT_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    [error] = import_limit_check()
    assert error.id == "teams.E002"


# Apply -------------------------------------------------------------------------------------


def claim_links(outbox):
    return {
        message.to[0]: re.search(rf"{re.escape(SITE)}(/teams/invitations/join/\S+/)", message.body)
        for message in outbox
    }


def test_apply_invites_everyone_previewed_and_mails_absolute_links_after_commit(
    client, manager, team, member, django_capture_on_commit_callbacks
):
    """Apply invites the previewed addresses in their roles, skips members, and mails each
    an absolute link only once the transaction has committed."""
    client.force_login(manager)
    preview = upload(client, team, "ann@example.com;manager\nbob@example.com\nalice@example.com\n")
    with django_capture_on_commit_callbacks() as callbacks:
        response = apply(client, team, token_of(preview))
        assert mail.outbox == [], "no e-mail before the transaction commits"
    assert response.status_code == 302
    assert response["Location"] == url("members", team.slug)
    invitations = {i.invitee: i for i in team.invitations.all()}
    assert set(invitations) == {"ann@example.com", "bob@example.com"}
    assert invitations["ann@example.com"].role == "manager"
    assert invitations["bob@example.com"].role == "member"
    assert all(i.invited_by == manager and i.user is None for i in invitations.values())
    assert not Membership.objects.filter(user__email__in=invitations).exists()

    for callback in callbacks:
        callback()
    links = claim_links(mail.outbox)
    assert set(links) == {"ann@example.com", "bob@example.com"}
    assert all(links.values())
    assert all(f"{SITE}{reverse('accounts:signup')}" in m.body for m in mail.outbox)
    text = page_text(client.get(response["Location"]))
    assert "2 addresses invited" in text
    assert "1 address was already invited or in the team and left alone" in text


def test_apply_twice_invites_nobody_twice(
    client, manager, team, django_capture_on_commit_callbacks
):
    """A double click or a replayed form: the second apply sends and writes nothing."""
    client.force_login(manager)
    token = token_of(upload(client, team, "ann@example.com\nbob@example.com\n"))
    with django_capture_on_commit_callbacks(execute=True):
        apply(client, team, token)
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = apply(client, team, token)
    assert response.status_code == 302
    assert Invitation.objects.count() == 2
    assert len(mail.outbox) == 2
    assert "No one new was invited" in page_text(client.get(response["Location"]))


@pytest.mark.parametrize("answer", ["accept", "decline", "revoke"])
def test_apply_again_after_an_answer_or_a_withdrawal_does_not_invite_again(
    client, manager, team, answer, django_capture_on_commit_callbacks
):
    """Replaying a preview does not undo what happened since: an answer or a withdrawal."""
    client.force_login(manager)
    token = token_of(upload(client, team, "ann@example.com\n"))
    with django_capture_on_commit_callbacks(execute=True):
        apply(client, team, token)
    invitation = Invitation.objects.get()
    if answer == "revoke":
        services.invitation_revoke(team=team, invitation=invitation)
    else:
        ann = UserFactory(username="ann")
        getattr(services, f"invitation_{answer}")(invitation=invitation, user=ann)
    with django_capture_on_commit_callbacks(execute=True):
        apply(client, team, token)
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_apply_renews_an_expired_invitation_from_before_the_preview(
    client, manager, team, django_capture_on_commit_callbacks
):
    """An invitation that expired before the preview is renewed and mailed again."""
    old = services.invitation_create(team=team, invitee="ann@example.com", invited_by=manager)
    Invitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    mail.outbox.clear()
    client.force_login(manager)
    preview = upload(client, team, "ann@example.com\n")
    assert rows_of(preview) == {"ann@example.com": "Will be invited"}
    with django_capture_on_commit_callbacks(execute=True):
        apply(client, team, token_of(preview))
    renewed = Invitation.objects.get()
    assert renewed.pk == old.pk
    assert renewed.created_at > timezone.now() - timedelta(minutes=1)
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]


def tampered(token):
    payload, signature = token.rsplit(":", 1)
    return f"{payload}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def test_apply_refuses_a_tampered_missing_or_foreign_token_with_400(
    client, manager, team, other_team
):
    """Only a preview this site signed, for this team and this manager, is applied."""
    client.force_login(manager)
    rows = [Row(line=1, email="ann@example.com", role="member")]
    now = timezone.now()
    forged = signing.dumps(
        {
            "team": team.pk,
            "by": manager.pk,
            "at": now.isoformat(),
            "rows": [["x@y.org", "manager"]],
        },
        salt=IMPORT_SALT,
        key="not-our-secret",
    )
    cases = {
        tampered(token_of(upload(client, team, "ann@example.com\n"))): "altered",
        forged: "altered",
        "": "This field is required",
        "garbage:more-garbage": "altered",
        preview_token(team=other_team, user=manager, rows=rows, at=now): "another team",
        preview_token(team=team, user=UserFactory(), rows=rows, at=now): "another team",
    }
    for token, message in cases.items():
        response = apply(client, team, token)
        assert response.status_code == 400, token
        assert message in page_text(response)
    assert nothing_written()


def test_apply_refuses_a_preview_older_than_an_hour(client, manager, team):
    """A preview signed more than an hour ago is 400 and writes nothing."""
    client.force_login(manager)
    two_hours_ago = timezone.now().timestamp() - 2 * 60 * 60
    with mock.patch("time.time", return_value=two_hours_ago):
        token = token_of(upload(client, team, "ann@example.com\n"))
    response = apply(client, team, token)
    assert response.status_code == 400
    assert "more than an hour old" in page_text(response)
    assert nothing_written()


def test_invitation_import_writes_all_or_nothing(team, manager, monkeypatch):
    """A failure on the third address leaves no invitation and sends no e-mail."""
    write = services._invitation_write
    calls = []

    def failing_write(**kwargs):
        calls.append(kwargs["invitee"])
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return write(**kwargs)

    monkeypatch.setattr(roster_import, "_invitation_write", failing_write)
    rows = [(f"p{n}@example.com", "member") for n in range(5)]
    with pytest.raises(RuntimeError):
        roster_import.invitation_import(
            team=team, rows=rows, previewed_at=timezone.now(), invited_by=manager
        )
    assert len(calls) == 3
    assert nothing_written()


def test_invitation_import_refuses_rows_that_are_not_addresses(team, manager):
    """The service refuses usernames and unknown roles even from a signed preview."""
    for rows in ([("alice", "member")], [("ann@example.com", "owner")]):
        with pytest.raises(services.TeamRefused):
            roster_import.invitation_import(
                team=team, rows=rows, previewed_at=timezone.now(), invited_by=manager
            )
    assert nothing_written()


def test_imported_invitations_are_in_the_audit_trail(
    client, manager, team, django_capture_on_commit_callbacks
):
    """Each imported invitation is an audit event by the manager, without its token."""
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        apply(client, team, token_of(upload(client, team, "ann@example.com\n")))
    invitation = Invitation.objects.get()
    [event] = AuditEvent.objects.for_object(invitation)
    assert (event.actor_repr, event.action) == ("boss", Action.CREATE)
    assert event.changes["token_hash"] == [None, "(hidden)"]


# Consent: the learner accepts, then the manager sees their progress -------------------------


def test_an_imported_learner_accepts_and_only_then_the_manager_sees_progress(
    client, manager, team, assignment, django_capture_on_commit_callbacks
):
    """The team sees nothing of an imported address until its owner accepts through the
    e-mailed link; then the dashboard shows their progress, and a new import says
    "Already in the team"."""
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        apply(client, team, token_of(upload(client, team, "Dana@Example.com\n")))
    assert len(mail.outbox) == 1
    link = claim_links(mail.outbox)["dana@example.com"].group(1)

    dana = UserFactory(username="dana", email="dana@example.com")
    progress_for(dana, assignment.lesson, percent=40)
    dashboard = client.get(team.get_absolute_url())
    assert dashboard.context["report"].rows == []
    assert "dana" not in dashboard.content.decode()

    client.force_login(dana)
    assert "Platform security" in page_text(client.get(link))
    response = client.post(link, {"answer": "accept"})
    assert response.status_code == 302
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED

    client.force_login(manager)
    [row] = client.get(team.get_absolute_url()).context["report"].rows
    assert row.user == dana
    assert [cell.percent for cell in row.cells] == [40]
    again = upload(client, team, "dana@example.com\n")
    assert rows_of(again) == {"dana@example.com": "Already in the team"}


# Who may import ----------------------------------------------------------------------------


def test_import_needs_a_signed_in_person(client, team):
    """A visitor is sent to log in from every step, and nothing is written."""
    for response in [
        client.get(url("invitation-import", team.slug)),
        upload(client, team, "ann@example.com\n"),
        apply(client, team, "anything"),
    ]:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert nothing_written()


def test_import_is_404_for_members_and_other_teams_managers(
    client, team, manager, member, other_team
):
    """A member, and the manager of another team, get 404 for every step, and so does
    a manager posting their own team's preview to another team's address."""
    rows = [Row(line=1, email="ann@example.com", role="member")]
    for person in [member, other_team.memberships.get(role="manager").user]:
        client.force_login(person)
        assert client.get(url("invitation-import", team.slug)).status_code == 404
        assert upload(client, team, "ann@example.com\n").status_code == 404
        token = preview_token(team=team, user=person, rows=rows, at=timezone.now())
        assert apply(client, team, token).status_code == 404
    client.force_login(manager)
    token = token_of(upload(client, team, "ann@example.com\n"))
    assert apply(client, other_team, token).status_code == 404
    assert client.get(url("invitation-import", "no-such-team")).status_code == 404
    assert nothing_written()


def test_import_is_open_to_staff_who_may_change_teams_and_no_other_staff(client, team):
    """Staff with the change-team permission import; staff who may only view teams get 404."""
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_team"))
    client.force_login(viewer)
    assert client.get(url("invitation-import", team.slug)).status_code == 404

    runner = UserFactory(username="runner", is_staff=True)
    runner.user_permissions.add(Permission.objects.get(codename="change_team"))
    client.force_login(runner)
    preview = upload(client, team, "ann@example.com\n")
    assert preview.status_code == 200
    assert apply(client, team, token_of(preview)).status_code == 302
    assert Invitation.objects.get().invited_by == runner


def test_admin_team_page_links_to_the_import_for_staff_who_may_change_it(client, team):
    """The team's admin page links to the import for staff who may change the team only."""
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    log_in_verified(client, admin)
    page = client.get(reverse("admin:teams_team_change", args=[team.pk]))
    assert page.status_code == 200
    assert f'href="{url("invitation-import", team.slug)}"' in page.content.decode()

    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_team"))
    log_in_verified(client, viewer)
    page = client.get(reverse("admin:teams_team_change", args=[team.pk]))
    assert page.status_code == 200
    assert url("invitation-import", team.slug) not in page.content.decode()
