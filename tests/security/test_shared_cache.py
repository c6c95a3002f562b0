"""Whoever can write to the shared Redis cannot run code on the app servers.

A pickle planted under a key the app reads (lesson content, a session) would run its
``__reduce__`` on load if the cache unpickled. These tests plant one and request pages
with the production Redis settings: nothing runs, and the pages still answer.
"""

import json
import os
import pickle
import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from lessons import cache as content_cache
from quizzes.models import Commit
from tests.factories import PASSWORD, UserFactory, full_lesson
from trainer import pagecache
from trainer.settings import redis_cache

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Planted:
    """A payload that creates ``path`` when unpickled."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture
def redis(settings):
    """The production cache settings on the test Redis, under a key prefix of our own."""
    import redis as redis_client

    try:
        redis_client.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis_client.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"no Redis answers at {REDIS_URL}")
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    settings.CACHES = {"default": redis_cache(REDIS_URL, f"test-{uuid.uuid4().hex}")}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    content_cache.clear_local()
    pagecache.clear()
    yield caches["default"]
    caches["default"].clear()
    content_cache.clear_local()
    pagecache.clear()


def plant(cache, key, payload):
    """Write ``payload`` raw under ``key`` as another program with Redis access could."""
    cache.client.get_client().set(cache.make_key(key), payload)


def test_pickle_planted_under_lesson_content_runs_nothing(redis, client, tmp_path):
    """The lesson's content key holds a pickle: it is a miss, the page answers from the
    database, no code ran, and the entry is replaced by plain data."""
    lesson = full_lesson(steps=2, practice=1)
    lesson.refresh_from_db()
    key = content_cache._key(lesson.pk, lesson.updated_at)
    marker = tmp_path / "ran"
    plant(redis, key, pickle.dumps(Planted(marker)))

    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    assert lesson.title in response.content.decode()
    myth = lesson.myths.first()
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    assert client.post(url, {"answer": "no"}).status_code == 302
    assert Commit.objects.count() == 1
    assert not marker.exists()
    assert redis.client.get_client().get(redis.make_key(key)).startswith(b"{")


def test_pickle_planted_under_a_session_runs_nothing(redis, tmp_path):
    """A session key holding a pickle reads as no session, not as code to run."""
    lesson = full_lesson()
    marker = tmp_path / "ran"
    session_key = "a" * 32
    plant(redis, SESSION_PREFIX + session_key, pickle.dumps(Planted(marker)))
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    assert not marker.exists()


def test_garbage_in_the_shared_cache_is_a_miss(redis, client):
    """Bytes that are neither JSON nor a number read as nothing cached."""
    lesson = full_lesson()
    lesson.refresh_from_db()
    plant(redis, content_cache._key(lesson.pk, lesson.updated_at), b"\x80\xff not json")
    assert client.get(lesson.get_absolute_url()).status_code == 200


def test_sessions_round_trip_through_the_shared_cache_as_json(redis):
    """Signed-in sessions are read from Redis as plain data: after the database row is
    gone the cached session still signs the user in, and the entry is JSON."""
    user = UserFactory()
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=session_key).delete()
    response = client.get(reverse("trainer:my-learning"))
    assert response.wsgi_request.user == user
    raw = redis.client.get_client().get(redis.make_key(SESSION_PREFIX + session_key))
    assert json.loads(raw)["_auth_user_id"] == str(user.pk)
