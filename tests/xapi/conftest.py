"""A real LRS (ralph's, on loopback) and a broken one of our own, started by the tests."""

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import bcrypt
import pytest
from django.test import override_settings

HERE = str(Path(__file__).parent)
USERNAME = "trainer"
PASSWORD = "lrs-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RalphLRS:
    """ralph's LRS server (FastAPI under uvicorn) storing statements in a file."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.process = None
        self.log = directory / "lrs.log"
        auth = [
            {
                "username": USERNAME,
                "hash": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode(),
                "scopes": ["all"],
                "agent": {"mbox": "mailto:lrs-client@example.com"},
            }
        ]
        (directory / "auth.json").write_text(json.dumps(auth))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self):
        env = {
            **os.environ,
            "RALPH_APP_DIR": str(self.directory),
            "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory),
        }
        command = [sys.executable, "-m", "uvicorn", "ralph_server:app", "--app-dir", HERE]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                command, cwd=self.directory, env=env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ralph's LRS did not start: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=1
                ):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("ralph's LRS did not answer within a minute")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def statements(self, **params) -> list[dict]:
        """Read statements back through the LRS's own API (xAPI GET /statements)."""
        query = urllib.parse.urlencode(
            {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        )
        request = urllib.request.Request(  # noqa: S310 (loopback http)
            f"{self.endpoint}/statements?{query}",
            headers={
                "X-Experience-API-Version": "1.0.3",
                "Authorization": "Basic "
                + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode(),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            document = json.loads(response.read())
        if "statementId" in params:
            return [document] if "id" in document else document.get("statements", [])
        return document["statements"]

    def settings(self):
        return override_settings(
            XAPI_ENDPOINT=self.endpoint, XAPI_USERNAME=USERNAME, XAPI_PASSWORD=PASSWORD
        )


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    """One LRS for the session: tests read back their own statements by id or filter."""
    server = RalphLRS(tmp_path_factory.mktemp("lrs")).start()
    yield server
    server.stop()


@pytest.fixture
def lrs(ralph):
    with ralph.settings():
        yield ralph


@pytest.fixture
def own_ralph(tmp_path):
    """An LRS of this test's own, which it may stop and start again."""
    server = RalphLRS(tmp_path)
    yield server
    server.stop()


class BrokenLRS(ThreadingHTTPServer):
    """A loopback server that answers as an LRS should not (``mode`` says how), or, in
    mode "ok", takes everything and records what it was sent."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), BrokenHandler)
        self.mode = "500"
        self.requests: list[tuple[str, str, bytes]] = []
        self.headers: list = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/xAPI"


class BrokenHandler(BaseHTTPRequestHandler):
    def _answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append((self.command, self.path, body))
        self.server.headers.append(self.headers)
        mode = self.server.mode
        if mode == "not http":
            self.wfile.write(b"\x00\x17garbage, not HTTP\r\n\r\n")
            return
        if mode == "ok":
            ids = [statement["id"] for statement in json.loads(body)]
            time.sleep(0.05)  # long enough for another sender to try the same rows
            self._send(200, json.dumps(ids).encode())
            return
        status, answer = {
            "500": (500, b"Internal Server Error"),
            "garbage": (200, b"<html>Welcome to the proxy</html>"),
            "reject bad": (400, b'{"detail": "invalid statement"}'),
        }[mode]
        if mode == "reject bad" and self.command == "PUT":
            document = json.loads(body)
            status = 400 if document.get("verb", {}).get("id", "").endswith("/bad") else 204
            answer = b"" if status == 204 else answer
        self._send(status, answer)

    def _send(self, status, answer):
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = do_PUT = _answer

    def log_message(self, format, *args):
        pass


@pytest.fixture
def broken_lrs():
    server = BrokenLRS()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with override_settings(XAPI_ENDPOINT=server.endpoint, XAPI_USERNAME="u", XAPI_PASSWORD="p"):
        yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def xapi_on():
    """Records are queued (to an LRS no test here reaches)."""
    with override_settings(XAPI_ENDPOINT="http://127.0.0.1:9/xAPI"):
        yield


def complete_lesson(learner, lesson):
    """Commit every checkpoint of the lesson: its prediction, myths and practice set."""
    from quizzes.services import attempt_open, commit_record

    for step in lesson.steps.exclude(prediction_prompt=""):
        expected = str(step.options.get(is_expected=True).pk)
        commit_record(learner=learner, kind="step", item=step, answer=expected)
    for myth in lesson.myths.all():
        commit_record(learner=learner, kind="myth", item=myth, answer="no")
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    for question in lesson.questions.filter(kind="practice"):
        choice = question.choices.get(is_correct=True)
        commit_record(
            learner=learner, kind="question", item=question, answer=str(choice.pk), attempt=attempt
        )


def take_test(learner, lesson, *, right: int):
    """Answer a pattern test of all the lesson's test questions, the first ``right`` of
    them correctly; the last answer finishes it."""
    from quizzes.models import Attempt
    from quizzes.services import commit_record

    questions = list(lesson.questions.filter(kind="test").order_by("order"))
    attempt = Attempt.objects.create(
        learner=learner,
        lesson=lesson,
        kind="test",
        number=1,
        question_ids=[q.pk for q in questions],
    )
    for position, question in enumerate(questions):
        choice = question.choices.filter(is_correct=position < right).first()
        commit_record(
            learner=learner, kind="question", item=question, answer=str(choice.pk), attempt=attempt
        )
    attempt.refresh_from_db()
    return attempt
