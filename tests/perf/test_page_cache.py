"""Visitors get the lesson page from a per-version cache, with their own token and nonce."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, full_lesson
from tests.perf.conftest import commit_url, expected_option

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PER_RESPONSE = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "| nonce=")[^"]+"')


@pytest.fixture
def lesson():
    return full_lesson(steps=3, practice=2)


def visit(client, lesson):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def returning_visitor(lesson, **kwargs):
    """A visitor who has read the page before (it is cached by now)."""
    client = Client(**kwargs)
    client.get(lesson.get_absolute_url())
    client.get(lesson.get_absolute_url())
    return client


def test_visitor_page_cache_serves_a_returning_visitor_without_rendering(lesson):
    first = returning_visitor(lesson)
    other = returning_visitor(lesson)
    response, sql = visit(other, lesson)
    assert len(sql) <= 2  # the session and the lesson's version, nothing else
    rendered = first.get(lesson.get_absolute_url()).content.decode()
    assert PER_RESPONSE.sub("", response.content.decode()) == PER_RESPONSE.sub("", rendered)


def test_visitor_page_cache_serves_cookieless_visits_without_rendering_or_a_session(lesson):
    """A crawler sends no cookie: after the first, each of its visits is served from the
    cache, costing the lesson's version alone, and no session is read or made."""
    from django.conf import settings

    Client().get(lesson.get_absolute_url())
    response, sql = visit(Client(), lesson)
    assert len(sql) == 1
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_visitor_page_cache_gives_each_visitor_their_own_working_csrf_token(lesson):
    alice = returning_visitor(lesson, enforce_csrf_checks=True)
    bob = returning_visitor(lesson, enforce_csrf_checks=True)
    alice_page = visit(alice, lesson)[0].content.decode()
    bob_page = visit(bob, lesson)[0].content.decode()
    alice_tokens, bob_tokens = set(TOKEN.findall(alice_page)), set(TOKEN.findall(bob_page))
    assert alice_tokens
    assert bob_tokens
    assert not alice_tokens & bob_tokens
    step = lesson.steps.exclude(prediction_prompt="").get()
    data = {"answer": expected_option(step), "csrfmiddlewaretoken": bob_tokens.pop()}
    assert bob.post(commit_url(lesson, "step", step.pk), data).status_code == 302
    data["csrfmiddlewaretoken"] = alice_tokens.pop()
    assert bob.post(commit_url(lesson, "myth", lesson.myths.first().pk), data).status_code == 403


def test_visitor_page_cache_puts_the_responses_own_nonce_in_the_page(lesson):
    response = visit(returning_visitor(lesson), lesson)[0]
    nonces = set(re.findall(r' nonce="([^"]+)"', response.content.decode()))
    header = response.headers["Content-Security-Policy"]
    assert nonces
    assert all(f"'nonce-{nonce}'" in header for nonce in nonces)


def test_visitor_page_cache_shows_an_edit_on_the_next_request(lesson):
    client = returning_visitor(lesson)
    step = lesson.steps.get(order=3)
    step.title = "Retitled after caching"
    step.save()
    assert "Retitled after caching" in visit(client, lesson)[0].content.decode()


def test_visitor_page_cache_is_never_used_once_the_visitor_has_committed(lesson):
    client = returning_visitor(lesson)
    step = lesson.steps.exclude(prediction_prompt="").get()
    client.post(commit_url(lesson, "step", step.pk), {"answer": expected_option(step)})
    html = " ".join(visit(client, lesson)[0].content.decode().split())
    assert "You predicted “The second guess”. That is right." in html
    assert " ".join(step.body.split()) in html


def test_visitor_page_cache_is_not_used_for_signed_in_users(lesson):
    returning_visitor(lesson)
    client = Client()
    client.force_login(UserFactory())
    client.get(lesson.get_absolute_url())
    response, sql = visit(client, lesson)
    assert any('"quizzes_learner"' in q for q in sql) or len(sql) > 2
    assert b"Log out" in response.content


def test_visitor_page_cache_is_not_used_while_a_message_is_pending(lesson):
    client = returning_visitor(lesson)
    storage = CookieStorage(RequestFactory().get("/"))
    message = Message(constants.SUCCESS, "Welcome back, visitor.")
    client.cookies[CookieStorage.cookie_name] = storage._encode([message])
    assert "Welcome back, visitor." in visit(client, lesson)[0].content.decode()
