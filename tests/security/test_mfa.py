"""Second factor: staff cannot open the admin without it; learners may opt in."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from quizzes.models import Commit
from tests.factories import UserFactory, full_lesson
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
    client.force_login(staff)
    client.get(reverse("security:enrol"))
    response = client.post(
        reverse("security:enrol"), {"code": totp_code(enrolment_key(client)), "next": "/admin/"}
    )
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
    assert client.get(reverse("my-learning")).status_code == 302


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
    assert response["Location"] == reverse("catalog")


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
