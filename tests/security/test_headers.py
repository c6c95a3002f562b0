"""Security headers on every page, and no-store on every page with someone's records."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory, full_lesson

from .conftest import log_in_verified

pytestmark = pytest.mark.django_db


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert "'nonce-" in directives["script-src"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"


def test_pages_forbid_framing_sniffing_and_leaking_referrers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_htmx_is_configured_without_eval_or_inline_styles(client):
    html = client.get("/").content.decode()
    assert '"allowEval": false' in html
    assert '"includeIndicatorStyles": false' in html
    assert "<style" not in html
    assert " style=" not in html


def test_public_catalog_stays_cacheable_for_a_first_time_visitor(client):
    response = client.get("/")
    assert response.status_code == 200
    assert not no_store(response)


@pytest.mark.parametrize("name", ["trainer:catalog", "trainer:my-learning", "security:two-factor"])
def test_pages_for_a_signed_in_user_are_never_stored(client, name):
    client.force_login(UserFactory())
    assert no_store(client.get(reverse(name)))


def test_lesson_page_for_a_signed_in_user_is_never_stored(client):
    lesson = full_lesson()
    assert not no_store(client.get(lesson.get_absolute_url()))
    client.force_login(UserFactory())
    assert no_store(client.get(lesson.get_absolute_url()))


def test_pages_for_an_anonymous_learner_with_commits_are_never_stored(client):
    lesson = full_lesson()
    myth = lesson.myths.first()
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    response = client.post(url, {"answer": "yes"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert no_store(response)
    for page in ("/", lesson.get_absolute_url(), reverse("trainer:my-learning")):
        assert no_store(client.get(page)), page


def test_admin_pages_are_never_stored(client, superuser):
    log_in_verified(client, superuser)
    response = client.get("/admin/auth/user/")
    assert response.status_code == 200
    assert no_store(response)


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_stay_cacheable_for_signed_in_users(client):
    client.force_login(UserFactory())
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert not no_store(response)


def test_health_check_skips_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get(reverse("health")).status_code == 200


def test_pages_and_fragments_vary_on_the_htmx_header(client):
    """A URL that answers htmx with a fragment and a browser with the whole page says so, so
    no cache, the browser's back button included, serves one in place of the other."""
    lesson = full_lesson()
    url = reverse("trainer:lesson-mode", args=[lesson.slug, "myths"])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert "HX-Request" in response["Vary"]
