"""Second factor: staff cannot open the admin without it; learners may opt in."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from quizzes.models import Commit
from tests.factories import UserFactory, full_lesson
from trainer.audit.models import AuditEvent
from trainer.security import enrolment, mfa
from trainer.security.models import EnrolmentGrant
from trainer.security.sessions import MFA_PENDING

from .conftest import enrol, log_in, log_in_verified, totp_code

pytestmark = pytest.mark.django_db

ADMIN_URLS = ["/admin/", "/admin/auth/user/", "/admin/lessons/lesson/", "/admin/password_change/"]


def enrolment_key(client):
    return client.session["security:enrol_key"]


def verify(client, code, **data):
    return client.post(reverse("security:verify"), {"code": code, **data})


@pytest.mark.parametrize("url", [*ADMIN_URLS, "/admin/login/"])
@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True}])
def test_admin_sends_staff_without_a_device_to_enrolment(client, url, flags):
    client.force_login(UserFactory(**flags))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:enrol") + "?next=")


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_admin_sends_staff_with_a_device_to_verification(client, staff, url):
    enrol(staff)
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:verify"))


def test_admin_opens_once_the_second_factor_is_given(client, staff):
    device, _ = enrol(staff)
    log_in(client, staff)
    assert client.get("/admin/").status_code == 302
    response = verify(client, totp_code(device.key, 1), next="/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_page_sends_everyone_to_the_site_login(client):
    response = client.get("/admin/login/", {"next": "/admin/auth/user/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fauth%2Fuser%2F"
    assert client.get("/admin/").status_code == 302


def test_admin_login_form_cannot_be_posted_to_sign_in(client, staff):
    response = client.post("/admin/login/", {"username": staff.username, "password": "x"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_enrolment_page_shows_an_inline_svg_qr_code_and_the_secret(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("security:enrol"))
    assert response.status_code == 200
    html = response.content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S)[0]
    assert 'role="img"' in svg
    assert "<title" in svg
    assert "style" not in svg
    assert "<script" not in svg
    secret = re.search(r'<code class="secret" id="secret">([A-Z2-7 ]+)</code>', html)[1]
    assert len(secret.replace(" ", "")) == 32
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    # The secret stays the same across reloads until it is confirmed.
    assert secret in client.get(reverse("security:enrol")).content.decode()


def test_enrolment_confirms_with_a_code_and_shows_ten_recovery_codes_once(client, staff):
    log_in(client, staff)
    link = link_from_mail(client, staff)
    client.get(link)
    response = client.post(link, {"code": totp_code(enrolment_key(client)), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("security:recovery-codes") + "?next=%2Fadmin%2F"
    page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(set(codes)) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)
    )
    again = client.get(reverse("security:recovery-codes")).content.decode()
    assert not re.findall(r"<li><code>", again)
    assert TOTPDevice.objects.get(user=staff).confirmed
    assert client.get("/admin/").status_code == 200


# Staff set up their first device through a one-time link ----------------------------------


def link_from_mail(client, user, next_url="/admin/"):
    """Ask for a set-up link as ``user`` signed in on ``client``; return its path."""
    before = len(mail.outbox)
    response = client.post(reverse("security:enrol-link-request"), {"next": next_url})
    assert response.status_code == 302
    [message] = mail.outbox[before:]
    assert message.to == [user.email]
    url = re.search(r"^https?://\S+$", message.body, re.M)[0]
    return urlsplit(url).path


def post_code(client, url, key=None):
    """A valid code for the key in the session (or ``key``), posted to ``url``."""
    key = key or client.session.get("security:enrol_key") or mfa.enrolment_start().key
    return client.post(url, {"code": totp_code(key)})


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True}])
def test_enrolment_refuses_staff_with_the_password_alone(client, flags):
    """A new staff password is not enough to bind an authenticator to the account."""
    user = UserFactory(**flags)
    log_in(client, user)
    page = client.get(reverse("security:enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "E-mail me a set-up link" in html
    assert 'id="secret"' not in html
    assert "security:enrol_key" not in client.session
    response = post_code(client, reverse("security:enrol"))
    assert response.status_code == 403
    assert not TOTPDevice.objects.exists()
    assert client.get("/admin/")["Location"].startswith(reverse("security:enrol"))


def test_enrolment_link_enrols_once_and_is_audited(client, staff):
    log_in(client, staff)
    link = link_from_mail(client, staff)
    assert link.startswith("/accounts/two-factor/set-up/")
    page = client.get(link)
    assert page.status_code == 200
    assert f'action="{link}"' in page.content.decode()
    assert post_code(client, link).status_code == 302
    assert TOTPDevice.objects.filter(user=staff).count() == 1
    key = TOTPDevice.objects.get(user=staff).key

    assert client.get(link).status_code == 403
    assert post_code(client, link).status_code == 403
    assert TOTPDevice.objects.get(user=staff).key == key
    grant = EnrolmentGrant.objects.get(user=staff)
    events = AuditEvent.objects.for_object(grant)
    assert sorted(event.action for event in events) == ["create", "update"]
    used = events.get(action="update")
    assert used.actor == staff
    assert list(used.changes) == ["used_at"]
    assert AuditEvent.objects.filter(
        object_type="otp_totp.totpdevice", action="create", actor=staff
    ).exists()


def test_a_new_link_replaces_an_unused_one(client, staff):
    log_in(client, staff)
    first = link_from_mail(client, staff)
    second = link_from_mail(client, staff)
    assert client.get(first).status_code == 403
    assert client.get(second).status_code == 200


def spoil_expired(client, staff, link):
    EnrolmentGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return client, link


def spoil_tampered(client, staff, link):
    return client, link[:-2] + ("A" if link[-2] != "A" else "B") + "/"


def spoil_other_user(client, staff, link):
    other = UserFactory(is_staff=True)
    intruder = Client()
    log_in(intruder, other)
    return intruder, link


def spoil_other_session(client, staff, link):
    elsewhere = Client()
    log_in(elsewhere, staff)
    return elsewhere, link


def spoil_reused(client, staff, link):
    client.get(link)
    assert post_code(client, link).status_code == 302
    mfa.second_factor_disable(user=staff)
    return client, link


@pytest.mark.parametrize(
    "spoil",
    [spoil_expired, spoil_tampered, spoil_other_user, spoil_other_session, spoil_reused],
    ids=["expired", "tampered", "another-user", "another-session", "reused"],
)
def test_enrolment_link_that_cannot_be_used_binds_nothing(client, staff, spoil):
    log_in(client, staff)
    link = link_from_mail(client, staff)
    visitor, url = spoil(client, staff, link)
    devices = TOTPDevice.objects.count()
    page = visitor.get(url)
    assert page.status_code == 403
    assert "This set-up link cannot be used" in page.content.decode()
    assert post_code(visitor, url).status_code == 403
    assert TOTPDevice.objects.count() == devices


def test_enrolment_link_cannot_replace_an_existing_device(client, staff):
    """Replacing a device takes the current code (turning it off), never a link."""
    device, _ = enrol(staff)
    token = enrolment.grant_create(user=staff)
    log_in_verified(client, staff)
    link = enrolment.link_path(token)
    assert client.get(link).status_code == 403
    assert post_code(client, link).status_code == 403
    assert list(TOTPDevice.objects.filter(user=staff)) == [device]


def test_staff_without_an_email_address_is_told_to_ask_an_administrator(client):
    user = UserFactory(is_staff=True, email="")
    log_in(client, user)
    response = client.post(reverse("security:enrol-link-request"), follow=True)
    assert "Ask an administrator" in response.content.decode()
    assert not mail.outbox
    assert not EnrolmentGrant.objects.exists()


def test_superuser_made_link_enrols_in_any_session_of_that_user(client, staff):
    out = io.StringIO()
    call_command("enrolment_link", staff.username, base_url="https://training.example", stdout=out)
    url = out.getvalue().strip()
    assert url.startswith("https://training.example/accounts/two-factor/set-up/")
    link = urlsplit(url).path
    log_in(client, staff)
    assert client.get(link).status_code == 200
    assert post_code(client, link).status_code == 302
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(
        object_type="security.enrolmentgrant", action="create", actor=None
    ).exists()
    # Spent: even with the device gone again, the same link binds nothing.
    mfa.second_factor_disable(user=staff)
    assert client.get(link).status_code == 403
    assert post_code(client, link).status_code == 403
    assert not TOTPDevice.objects.filter(user=staff).exists()


def test_enrolment_link_command_refuses_a_user_with_a_device(staff):
    enrol(staff)
    with pytest.raises(CommandError, match="already has a second factor"):
        call_command("enrolment_link", staff.username, stdout=io.StringIO())
    assert not EnrolmentGrant.objects.exists()


def test_learner_enrols_with_the_password_alone(client):
    """Learners opting in are not staff: no link, as before."""
    user = UserFactory()
    log_in(client, user)
    assert 'id="secret"' in client.get(reverse("security:enrol")).content.decode()
    assert post_code(client, reverse("security:enrol")).status_code == 302
    assert TOTPDevice.objects.filter(user=user).exists()


def test_enrolment_refuses_a_wrong_code_and_creates_no_device(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("security:enrol"))
    right = totp_code(enrolment_key(client))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("security:enrol"), {"code": wrong})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_enrolment_redirects_when_the_second_factor_is_already_on(client):
    user = UserFactory()
    enrol(user)
    log_in_verified(client, user)
    response = client.get(reverse("security:enrol"))
    assert response["Location"] == reverse("security:two-factor")


def test_totp_code_is_accepted_once(client):
    user = UserFactory()
    device, _ = enrol(user)
    code = totp_code(device.key, 1)
    log_in(client, user)
    assert verify(client, code).status_code == 302
    client.post(reverse("accounts:logout"))
    log_in(client, user)
    response = verify(client, code)
    assert response.status_code == 200
    assert "used already" in response.content.decode()
    assert client.get(reverse("trainer:my-learning")).status_code == 302


def test_the_enrolment_code_cannot_complete_a_login(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("security:enrol"))
    key = enrolment_key(client)
    code = totp_code(key)
    client.post(reverse("security:enrol"), {"code": code})
    client.post(reverse("accounts:logout"))
    log_in(client, user)
    assert verify(client, code).status_code == 200
    assert client.session.get(MFA_PENDING)


def test_recovery_code_is_accepted_once(client):
    user = UserFactory()
    _, codes = enrol(user)
    log_in(client, user)
    assert verify(client, codes[0].upper()).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 9
    client.post(reverse("accounts:logout"))
    log_in(client, user)
    assert verify(client, codes[0]).status_code == 200


def test_wrong_codes_make_the_next_attempt_wait(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a slow machine must not outwait the delay
    user = UserFactory()
    device, _ = enrol(user)
    log_in(client, user)
    right = totp_code(device.key, 1)
    verify(client, f"{(int(right) + 1) % 1_000_000:06d}")
    response = verify(client, right)
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()
    assert client.session.get(MFA_PENDING)


def test_learner_who_opted_in_must_give_a_code_after_the_password(client):
    """Anonymous progress carries into the account once the second factor is given."""
    lesson = full_lesson()
    step = lesson.steps.exclude(prediction_prompt="").get()
    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "step", step.pk]),
        {"answer": step.options.first().pk},
    )
    user = UserFactory()
    device, _ = enrol(user)
    response = log_in(client, user, next="/me/")
    assert response["Location"] == "/me/"
    blocked = client.get("/me/")
    assert blocked.status_code == 302
    assert blocked["Location"] == reverse("security:verify") + "?next=%2Fme%2F"
    assert client.get(lesson.get_absolute_url()).status_code == 302
    assert Commit.objects.get().learner.user is None

    page = client.get(blocked["Location"])
    assert b'name="next" value="/me/"' in page.content
    response = verify(client, totp_code(device.key, 1), next="/me/")
    assert response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200
    assert Commit.objects.get().learner.user == user


def test_learner_without_a_device_logs_in_with_the_password_alone(client):
    user = UserFactory()
    response = log_in(client, user, next="/me/")
    assert response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200


def test_pending_htmx_request_is_redirected_by_a_header(client):
    user = UserFactory()
    enrol(user)
    log_in(client, user)
    response = client.get("/me/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("security:verify"))
    assert response.content == b""


def test_verify_ignores_an_offsite_next(client):
    user = UserFactory()
    device, _ = enrol(user)
    log_in(client, user)
    response = verify(client, totp_code(device.key, 1), next="https://evil.example/")
    assert response["Location"] == reverse("trainer:catalog")


def test_turning_off_takes_a_current_code(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code must not delay the right one here
    user = UserFactory()
    device, _ = enrol(user)
    log_in(client, user)
    verify(client, totp_code(device.key, 1))
    refused = client.post(reverse("security:disable"), {"code": "000000"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=user).exists()
    response = client.post(reverse("security:disable"), {"code": totp_code(device.key, 2)})
    assert response["Location"] == reverse("security:two-factor")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()


def test_new_recovery_codes_replace_the_old_ones(client):
    user = UserFactory()
    _, old = enrol(user)
    log_in(client, user)
    verify(client, old[0])
    response = client.post(reverse("security:recovery-codes-reset"))
    assert response["Location"] == reverse("security:recovery-codes")
    page = client.get(response["Location"]).content.decode()
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new) == 10
    assert not set(new) & set(old)
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_new_recovery_codes_need_a_verified_session(client):
    user = UserFactory()
    client.force_login(user)
    enrol(user)
    response = client.post(reverse("security:recovery-codes-reset"))
    assert response["Location"].startswith(reverse("security:verify"))


def test_turning_it_on_ends_the_other_sessions(client):
    user = UserFactory()
    other = Client()
    log_in(other, user)
    log_in(client, user)
    client.get(reverse("security:enrol"))
    client.post(reverse("security:enrol"), {"code": totp_code(enrolment_key(client))})
    assert client.get("/me/").status_code == 200
    assert other.get("/me/").context["user"].is_anonymous


def test_two_factor_page_needs_login(client):
    response = client.get(reverse("security:two-factor"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_two_factor_link_is_in_the_navigation_for_signed_in_users(client):
    assert b"Two-factor" not in client.get("/").content
    client.force_login(UserFactory())
    assert b'href="/accounts/two-factor/"' in client.get("/").content


def test_superuser_admin_action_makes_a_link_that_enrols(superuser, staff):
    admin = log_in_verified(Client(), superuser)
    response = admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "make_enrolment_link", "_selected_action": [staff.pk]},
        follow=True,
    )
    url = re.search(r"https?://\S+/two-factor/set-up/[\w-]+/", response.content.decode())[0]
    link = urlsplit(url).path
    client = Client()
    log_in(client, staff)
    assert client.get(link).status_code == 200
    assert post_code(client, link).status_code == 302
    assert TOTPDevice.objects.filter(user=staff).exists()
    made = AuditEvent.objects.get(object_type="security.enrolmentgrant", action="create")
    assert made.actor == superuser
    assert made.changes["created_by"] == [None, superuser.pk]


def test_only_superusers_have_the_set_up_link_action(staff):
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = log_in_verified(Client(), staff)
    page = client.get(reverse("admin:auth_user_changelist"))
    assert page.status_code == 200
    assert "make_enrolment_link" not in page.content.decode()
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "make_enrolment_link", "_selected_action": [staff.pk]},
    )
    assert not EnrolmentGrant.objects.exists()
    assert response.status_code in (200, 302)
