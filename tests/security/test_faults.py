"""The database going away, error pages that need nothing, and the health check."""

import json
import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from quizzes.items import ITEM_TYPES
from quizzes.models import Commit, Learner
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
        response = client.get(reverse("trainer:my-learning"))
    assert response.status_code == 503
    assert_no_leaks(response)
    assert client.get(reverse("trainer:my-learning")).status_code == 200


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


# PostgreSQL gives up instead of holding a worker ----------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="lock_timeout and statement_timeout are PostgreSQL settings; "
    "CI's second pass runs these on PostgreSQL",
)


@contextmanager
def server_timeouts(lock_ms, statement_ms):
    """The app's connection reopened with these timeouts, set as settings.py sets them."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    configured = options.get("options")
    connection.close()
    options["options"] = f"-c lock_timeout={lock_ms} -c statement_timeout={statement_ms}"
    try:
        yield
    finally:
        connection.close()
        if configured is None:
            options.pop("options", None)
        else:
            options["options"] = configured


@contextmanager
def row_locked_elsewhere(model, pk, *, at_most=15):
    """Another connection holds ``model``'s row ``pk`` locked until the block ends, or
    for ``at_most`` seconds, so a request that waits for the lock still ends."""
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )
    release = threading.Timer(at_most, other.rollback)
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
                [pk],
            )
        release.start()
        yield
    finally:
        release.cancel()
        if release.ident is not None:
            release.join()
        other.rollback()
        other.close()


@on_postgresql
def test_postgresql_connections_carry_lock_and_statement_timeouts(settings):
    """settings.py gives every PostgreSQL connection both limits from the environment."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
    assert lock == f"{int(settings.DB_LOCK_TIMEOUT * 1000)}ms".replace("000ms", "s")
    assert statement == f"{int(settings.DB_STATEMENT_TIMEOUT * 1000)}ms".replace("000ms", "s")
    assert 0 < settings.DB_LOCK_TIMEOUT < settings.DB_STATEMENT_TIMEOUT < 30


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_commit_waiting_on_a_locked_learner_answers_503_quickly_and_writes_nothing(settings):
    """A learner's row held by another transaction: with the configured lock timeout the
    commit gives up with 503 and Retry-After (not after the lock is released), records
    nothing, and works once the lock is gone."""
    lesson = full_lesson(steps=2)
    client = Client(raise_request_exception=False)
    myth = lesson.myths.first()
    first = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    assert client.post(first, {"answer": "no"}).status_code == 302
    learner = Learner.objects.get()
    pitfall = lesson.pitfalls.first()
    second = reverse("quizzes:commit", args=[lesson.slug, "pitfall", pitfall.pk])
    answer = ITEM_TYPES["pitfall"].options(pitfall)[0].key
    with row_locked_elsewhere(Learner, learner.pk):
        started = time.monotonic()
        response = client.post(second, {"answer": answer}, headers={"HX-Request": "true"})
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.content.decode().startswith("<p data-error-message>")
    assert settings.DB_LOCK_TIMEOUT <= waited < settings.DB_LOCK_TIMEOUT + 3
    assert_no_leaks(response)
    assert Commit.objects.count() == 1
    assert client.post(second, {"answer": answer}).status_code == 302
    assert Commit.objects.count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_statement_over_the_timeout_answers_503_and_writes_nothing():
    """A statement that runs past statement_timeout is cancelled: 503, nothing written."""
    lesson = full_lesson()
    client = Client(raise_request_exception=False)
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", lesson.myths.first().pk])

    def slow(execute, sql, params, many, context):
        if "quizzes_commit" in sql:
            execute("SELECT pg_sleep(2)", None, False, context)
        return execute(sql, params, many, context)

    with server_timeouts(lock_ms=500, statement_ms=300):
        with connection.execute_wrapper(slow):
            started = time.monotonic()
            response = client.post(url, {"answer": "no"})
        assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert not Commit.objects.exists()
