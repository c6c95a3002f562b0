"""The database going away, error pages that need nothing, and the health check."""

import json

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from quizzes.models import Commit
from tests.factories import UserFactory, full_lesson
from trainer.security import views

pytestmark = pytest.mark.django_db

LEAKS = ["Traceback", "OperationalError", "db.internal", "SELECT", "/work/", "/srv/", "secret"]


def refused(execute, sql, params, many, context):
    raise OperationalError(
        'connection to server at "db.internal" (10.0.0.5), port 5432 failed: Connection refused'
    )


def locked(execute, sql, params, many, context):
    raise OperationalError("database is locked")


def outage(wrapper=refused):
    """Every query fails from here on, as when the database server is down."""
    return connection.execute_wrapper(wrapper)


def assert_no_leaks(response):
    text = response.content.decode()
    for leak in LEAKS:
        assert leak not in text, leak


def test_database_outage_answers_503_with_a_plain_page(client):
    lesson = full_lesson()
    with outage():
        response = client.get(lesson.get_absolute_url())
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Briefly unavailable" in response.content.decode()
    assert_no_leaks(response)


def test_database_outage_answers_htmx_with_a_fragment(client):
    lesson = full_lesson()
    myth = lesson.myths.first()
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    with outage():
        response = client.post(url, {"answer": "no"}, headers={"HX-Request": "true"})
    assert response.status_code == 503
    text = response.content.decode()
    assert text.startswith("<p data-error-message>")
    assert "<html" not in text
    assert_no_leaks(response)


def test_app_recovers_when_the_database_returns(client):
    lesson = full_lesson()
    myth = lesson.myths.first()
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    with outage():
        assert client.post(url, {"answer": "no"}).status_code == 503
    assert not Commit.objects.exists()
    assert client.post(url, {"answer": "no"}).status_code == 302
    assert Commit.objects.count() == 1
    assert client.get(lesson.get_absolute_url()).status_code == 200


def test_locked_database_answers_503_and_writes_nothing(client):
    lesson = full_lesson()
    myth = lesson.myths.first()
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    with outage(locked):
        response = client.post(url, {"answer": "yes"}, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert not Commit.objects.exists()


def test_outage_during_the_session_read_in_middleware_also_answers_503(db):
    """A signed-in user's session and account are read before any view runs."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    with outage():
        response = client.get(reverse("my-learning"))
    assert response.status_code == 503
    assert_no_leaks(response)
    assert client.get(reverse("my-learning")).status_code == 200


def test_health_reports_ok_while_the_database_answers(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(reverse("health"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_reports_503_when_the_database_does_not_answer(client):
    with outage():
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable"}


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (views.bad_request, 400),
        (views.permission_denied, 403),
        (views.page_not_found, 404),
        (views.csrf_failure, 403),
    ],
)
def test_error_handlers_touch_no_database(rf, handler, status, django_assert_num_queries):
    request = rf.get("/anywhere/")
    with django_assert_num_queries(0):
        response = handler(request, Exception("detail /srv/x"))
    assert response.status_code == status
    assert_no_leaks(response)


def test_server_error_handler_touches_no_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_not_found_page_for_an_anonymous_visitor_runs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unknown_lesson_shows_the_custom_not_found_page(client):
    response = client.get("/lessons/no-such-lesson/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


@pytest.mark.urls("tests.security.urls_faults")
def test_server_error_page_shows_no_traceback_with_debug_off(settings):
    assert settings.DEBUG is False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    assert_no_leaks(response)


def test_missing_csrf_token_gets_the_custom_403_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "You cannot do that here" in response.content.decode()


def test_oversized_body_gets_the_custom_413_page(client):
    lesson = full_lesson()
    myth = lesson.myths.first()
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    response = client.post(url, {"answer": "no", "padding": "x" * 3_000_000})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Commit.objects.exists()
