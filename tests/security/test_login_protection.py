"""Lockout after repeated failures, new sessions at login, and sessions that end."""

import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.test import Client
from django.urls import reverse

from quizzes.learners import SESSION_KEY as LEARNER_KEY
from tests.factories import PASSWORD, UserFactory, full_lesson
from trainer.security.models import AccountLockout, UserSession
from trainer.security.net import client_ip
from trainer.security.sessions import LOGIN_AT, SEEN_AT

from .conftest import log_in

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long unusual passphrase 42"


def signed_in(client):
    return client.session.get(SESSION_KEY) is not None


def fail(client, username, times, **extra):
    responses = [
        client.post(
            reverse("accounts:login"), {"username": username, "password": "wrong guess"}, **extra
        )
        for _ in range(times)
    ]
    return responses[-1]


def test_login_locks_the_username_and_address_after_the_failure_limit(client, settings):
    user = UserFactory()
    before = fail(client, user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert before.status_code == 200
    locked = fail(client, user.username, 1)
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many login attempts" in text
    assert "Try again in 15 minutes" in text
    # The right password is refused while locked, with the same page.
    response = log_in(client, user)
    assert response.status_code == 429
    assert not signed_in(client)


def main(response):
    return re.search(r"<main.*</main>", response.content.decode(), re.S)[0]


def test_lockout_looks_the_same_for_unknown_and_known_usernames(client, settings):
    """A difference would tell an attacker which usernames exist."""
    UserFactory(username="known")
    known = fail(client, "known", settings.AXES_FAILURE_LIMIT)
    unknown = fail(client, "ghost", settings.AXES_FAILURE_LIMIT)
    assert known.status_code == unknown.status_code == 429
    assert main(known) == main(unknown)


def test_lockout_holds_only_for_that_username_from_that_address(client, settings):
    user = UserFactory()
    colleague = UserFactory()
    fail(client, user.username, settings.AXES_FAILURE_LIMIT)
    assert log_in(Client(), colleague).status_code == 302
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert log_in(elsewhere, user).status_code == 302


def test_lockout_ends_after_the_cool_off(client, settings):
    user = UserFactory()
    fail(client, user.username, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, user).status_code == 429
    attempt = AccessAttempt.objects.get()
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - settings.AXES_COOLOFF_TIME)
    assert log_in(client, user).status_code == 302


def test_successful_login_resets_the_failure_count(client, settings):
    user = UserFactory()
    fail(client, user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, user).status_code == 302
    client.post(reverse("accounts:logout"))
    assert fail(client, user.username, settings.AXES_FAILURE_LIMIT - 1).status_code == 200


def test_login_gives_the_session_a_new_key(client):
    """A key planted before login (session fixation) must not become the signed-in one."""
    lesson = full_lesson()
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    before = client.session.session_key
    assert before
    log_in(client, UserFactory())
    assert signed_in(client)
    assert client.session.session_key != before
    assert LEARNER_KEY not in client.session


def test_logout_ends_the_users_other_sessions(client):
    user = UserFactory()
    laptop, phone = Client(), Client()
    log_in(laptop, user)
    log_in(phone, user)
    assert UserSession.objects.filter(user=user).count() == 2
    laptop.post(reverse("accounts:logout"))
    assert phone.get(reverse("trainer:my-learning")).context["user"].is_anonymous
    assert not UserSession.objects.filter(user=user).exists()


def test_logout_leaves_other_users_sessions_alone(client):
    me, someone = UserFactory(), UserFactory()
    log_in(client, me)
    theirs = Client()
    log_in(theirs, someone)
    client.post(reverse("accounts:logout"))
    assert theirs.get(reverse("trainer:my-learning")).context["user"] == someone


def test_password_change_ends_other_sessions_and_keeps_this_one(client):
    user = UserFactory()
    phone = Client()
    log_in(phone, user)
    log_in(client, user)
    old_key = client.session.session_key
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("trainer:my-learning")).context["user"] == user
    assert phone.get(reverse("trainer:my-learning")).context["user"].is_anonymous
    # The session that changed the password moved to a new key, and the index followed.
    assert client.session.session_key != old_key
    assert UserSession.objects.filter(session_key=client.session.session_key).exists()


def age(client, **seconds):
    session = client.session
    for key, value in seconds.items():
        session[{"login": LOGIN_AT, "seen": SEEN_AT}[key]] = time.time() - value
    session.save()


def test_idle_session_ends_and_says_why(client, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    user = UserFactory()
    log_in(client, user)
    age(client, seen=61)
    response = client.get(reverse("trainer:my-learning"))
    assert response.status_code == 302
    assert response["Location"] == reverse("security:session-ended") + "?why=idle"
    assert not signed_in(client)
    page = client.get(response["Location"]).content.decode()
    assert "after 1 minute without activity" in page
    assert not UserSession.objects.filter(user=user).exists()


def test_activity_keeps_an_idle_timer_from_running_out(client, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    log_in(client, UserFactory())
    age(client, seen=50)
    assert client.get(reverse("trainer:my-learning")).status_code == 200
    assert time.time() - client.session[SEEN_AT] < 5
    assert client.get(reverse("trainer:my-learning")).status_code == 200


def test_session_ends_at_the_absolute_limit_despite_activity(client, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 3600
    log_in(client, UserFactory())
    age(client, login=3601, seen=1)
    response = client.get(reverse("trainer:my-learning"))
    assert response["Location"] == reverse("security:session-ended") + "?why=absolute"
    assert "at most 1 hour" in client.get(response["Location"]).content.decode()


def test_expired_htmx_request_is_redirected_by_a_header(client, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    log_in(client, UserFactory())
    age(client, seen=120)
    response = client.get(reverse("trainer:my-learning"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("security:session-ended") + "?why=idle"


def test_anonymous_learner_session_has_no_idle_limit(client, settings):
    """Only signed-in sessions time out: an anonymous learner's record lives in theirs."""
    settings.SESSION_IDLE_TIMEOUT = 0
    lesson = full_lesson()
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    assert "You answered No" in response.content.decode()


def test_client_ip_trusts_only_the_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"
    garbage = rf.get("/", REMOTE_ADDR="not an address")
    assert client_ip(garbage) is None


def fail_from_many_addresses(username, failures, settings):
    """``failures`` wrong passwords for ``username``, each address staying under its limit."""
    per_address = settings.AXES_FAILURE_LIMIT - 1
    response, n = None, 0
    while failures > 0:
        n += 1
        batch = min(per_address, failures)
        response = fail(Client(REMOTE_ADDR=f"198.51.100.{n}"), username, batch)
        failures -= batch
    return response


def test_account_locks_after_failures_spread_over_many_addresses(client, settings, mailoutbox):
    """Failures from many addresses add up: at the account limit the account is refused
    from everywhere, even with the right password, and its owner is told once."""
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 12
    user = UserFactory(username="target", email="target@example.com")
    assert fail_from_many_addresses("target", 11, settings).status_code == 200
    assert not mailoutbox
    assert fail_from_many_addresses("target", 1, settings).status_code == 429
    assert [message.to for message in mailoutbox] == [["target@example.com"]]
    assert "paused" in mailoutbox[0].subject

    fresh = Client(REMOTE_ADDR="203.0.113.50")
    response = log_in(fresh, user)
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert not signed_in(fresh)
    # More attempts during the same lockout send no further notice.
    fail_from_many_addresses("target", 8, settings)
    log_in(Client(REMOTE_ADDR="203.0.113.51"), user)
    assert len(mailoutbox) == 1


def test_account_lockout_ends_after_the_cool_off_and_a_new_one_sends_a_new_notice(
    settings, mailoutbox
):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    user = UserFactory(username="target")
    fail_from_many_addresses("target", 8, settings)
    assert log_in(Client(REMOTE_ADDR="203.0.113.50"), user).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    AccountLockout.objects.update(
        locked_at=F("locked_at") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert log_in(Client(REMOTE_ADDR="203.0.113.50"), user).status_code == 302
    fail_from_many_addresses("target", 8, settings)
    assert len(mailoutbox) == 2


def test_account_lockout_looks_the_same_for_unknown_and_known_usernames(settings, mailoutbox):
    """Unknown usernames lock across addresses too, with the same page and no e-mail."""
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    UserFactory(username="known")
    fail_from_many_addresses("known", 8, settings)
    fail_from_many_addresses("ghost", 8, settings)
    known = fail(Client(REMOTE_ADDR="203.0.113.60"), "known", 1)
    unknown = fail(Client(REMOTE_ADDR="203.0.113.60"), "ghost", 1)
    assert known.status_code == unknown.status_code == 429
    assert main(known) == main(unknown)
    assert len(mailoutbox) == 1


def test_account_lockout_leaves_other_accounts_alone(settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    UserFactory(username="target")
    colleague = UserFactory()
    fail_from_many_addresses("target", 8, settings)
    assert log_in(Client(REMOTE_ADDR="198.51.100.1"), colleague).status_code == 302
