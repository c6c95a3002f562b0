"""Two app servers on one database and one Redis serve one learner as one record.

Two gunicorn instances (one worker each, production settings, DEBUG off) share this test
run's database and a Redis key prefix of their own; the learner's requests alternate
between them with one cookie jar, as behind a load balancer without sticky sessions.
"""

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from quizzes.models import Attempt, Commit, Learner, LessonProgress
from tests.factories import full_lesson

ROOT = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """The Redis on 127.0.0.1:6379 if it answers, else a throwaway redis-server."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        binary = shutil.which("redis-server")
        if binary is None:
            # CI machines run Redis; a developer without it is told, never CI.
            if os.environ.get("CI"):
                pytest.fail(f"no Redis answers at {REDIS_URL} and redis-server is not installed")
            pytest.skip(f"no Redis answers at {REDIS_URL} and redis-server is not installed")
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - the installed redis-server, fixed arguments
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(50):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield url
        server.terminate()
        server.wait(timeout=10)
        return
    yield REDIS_URL


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    assert connection.vendor == "postgresql", f"unsupported database: {connection.vendor}"
    auth = urllib.parse.quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + urllib.parse.quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def servers(transactional_db, redis_url, collected_static, tmp_path):
    """Two gunicorn app servers; yields their base URLs."""
    import redis

    prefix = f"two-servers-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trainer.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "0",
        "SECRET_KEY": f"shared-by-both-servers-{prefix}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "STATIC_ROOT": str(collected_static),
        "WEB_CONCURRENCY": "1",
        "THREADS": "2",
        "ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    processes, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        log = open(tmp_path / f"server-{name}.log", "wb")  # noqa: SIM115 - closed below
        processes.append(
            (
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "trainer/gunicorn.conf.py"],
                    cwd=ROOT,
                    env={**env, "BIND": f"127.0.0.1:{port}"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for (process, log), url in zip(processes, urls, strict=True):
            _wait_until_up(process, url, Path(log.name))
        yield urls
    finally:
        for process, _ in processes:
            process.terminate()
        for process, log in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def _wait_until_up(process, url, log_path):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited at start:\n{log_path.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{url}/", timeout=2)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within 30 s:\n{log_path.read_text()[-3000:]}")


class Browser:
    """One cookie jar, whichever server answers: a load balancer without sticky sessions."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def get(self, url):
        return self._open(urllib.request.Request(url))  # noqa: S310 - loopback http only

    def post(self, url, data):
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body)  # noqa: S310 - loopback http only
        request.add_header("X-CSRFToken", self.cookie(settings.CSRF_COOKIE_NAME) or "")
        request.add_header("HX-Request", "true")
        return self._open(request)

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()


def test_two_servers_serve_one_learner_as_one_consistent_record(servers):
    server_a, server_b = servers
    lesson = full_lesson(steps=2, practice=1)
    step = lesson.steps.exclude(prediction_prompt="").get()
    option = step.options.get(is_expected=True)
    question = lesson.questions.get(kind="practice")
    right = question.choices.get(is_correct=True)
    page = lesson.get_absolute_url()
    commit = f"{page}commit/step/{step.pk}/"
    browser = Browser()

    status, _, _ = browser.get(server_a + page)
    assert status == 200
    assert browser.cookie(settings.CSRF_COOKIE_NAME)

    # A commits the prediction; B, knowing the learner only through the shared session,
    # shows it revealed.
    status, _, fragment = browser.post(server_a + commit, {"answer": option.pk})
    assert status == 200, fragment
    assert "That is right." in fragment
    status, _, html = browser.get(server_b + page)
    assert status == 200
    assert "You predicted “The second guess”. That is right." in " ".join(html.split())
    assert step.body in html

    # The same commit again, on the other server: refused, nothing recorded twice.
    status, _, _ = browser.post(
        server_b + commit, {"answer": step.options.exclude(pk=option.pk).get().pk}
    )
    assert status == 409

    # B records the practice answer; A shows the score.
    status, _, fragment = browser.post(
        f"{server_b}{page}commit/question/{question.pk}/", {"answer": right.pk}
    )
    assert status == 200, fragment
    status, _, html = browser.get(f"{server_a}{page}practice/")
    assert status == 200
    assert "Your score: 1 / 1" in html

    learner = Learner.objects.get()
    assert learner.user is None
    assert Commit.objects.filter(learner=learner, kind="step").count() == 1
    assert Commit.objects.get(learner=learner, kind="step").correct
    attempt = Attempt.objects.get(learner=learner)
    assert (attempt.is_finished, attempt.score, attempt.total) == (True, 1, 1)
    progress = LessonProgress.objects.get(learner=learner, lesson=lesson)
    assert (progress.predictions_done, progress.practice_done, progress.practice_score) == (1, 1, 1)

    # Static files as deployed: hashed names, cached for ten years by every browser.
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)[1]
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
    status, headers, _ = browser.get(server_b + stylesheet)
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]
