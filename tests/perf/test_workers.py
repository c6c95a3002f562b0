"""The app servers' gunicorn worker sends a new connection to a worker that can serve it."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_workers(tmp_path):
    """gunicorn with trainer/gunicorn.conf.py, two one-thread workers, serving pid_app."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "THREADS": "1",
        "ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with open(tmp_path / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "trainer/gunicorn.conf.py",
             "tests.perf.pid_app:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            pids = set()
            deadline = time.monotonic() + 30
            while len(pids) < 2:  # both workers up: each has answered once
                assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "the workers did not come up"
                try:
                    pids.add(get(port, "/"))
                except OSError:
                    time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=15)


def get(port, path, connection=None):
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    return conn.getresponse().read().decode()


def test_a_new_connection_is_not_queued_behind_a_busy_worker(two_workers):
    busy = http.client.HTTPConnection("127.0.0.1", two_workers, timeout=10)
    busy.request("GET", "/slow")  # one worker now sleeps for two seconds
    time.sleep(0.3)
    answered_by = set()
    for _ in range(6):  # on stock gthread, each would land on the busy worker half the time
        started = time.monotonic()
        answered_by.add(get(two_workers, "/"))
        assert time.monotonic() - started < 1, "a request waited behind the busy worker"
    slow_pid = busy.getresponse().read().decode()
    assert slow_pid not in answered_by
    assert len(answered_by) == 1
