"""Drive many learners through the IAM lesson at once, then prove nothing was lost or doubled.

    .venv/bin/python scripts/load_test.py                 # PostgreSQL, 200 learners at once
    .venv/bin/python scripts/load_test.py --sqlite        # SQLite, 50 learners at once
    .venv/bin/python scripts/load_test.py --learners 400 --seconds 180

It creates a throwaway database (``trainer_load`` on the PostgreSQL server in
``LOAD_PG_URL``, default postgresql://postgres@127.0.0.1:5432/postgres; or a temporary
SQLite file with ``--sqlite``), migrates, loads the shipped lessons, collects static files
and starts ``gunicorn trainer.wsgi -w 4 --threads 2`` on loopback with DEBUG off.

Every simulated learner is a thread with its own cookie jar and keep-alive connection. It
opens the lesson page, takes the CSRF token from its cookie, then commits (as htmx does:
``HX-Request`` and ``X-CSRFToken``) every step prediction, every myth, every pitfall and
every practice question, with random answers; once it has a session it also double-clicks:
the same myth posted twice at the same moment on two connections. Last, it reloads the
lesson page. All learners start together, and the run stops at ``--seconds``.

Then it reads the database and checks that:
  * no response was a 5xx and no request failed in transport;
  * every commit answered 200 (created) is stored, exactly once: the number of rows equals
    the number of 200s, no item has two commits for one learner, and each double-click
    stored one commit and answered the other click 409;
  * each learner's progress summary agrees with their commits (nothing drifted).
It prints the figures (requests, requests per second, latency percentiles) and exits 1 if
any check failed. Everything it started is stopped and removed, even on failure.

The load generator runs on the same machine as the server and takes CPU from it: the
figures compare runs on one machine, not machines.

SQLite's limit: it is the one-machine setup. All writers take turns on one file (WAL lets
readers go on; each write transaction takes the lock up front and waits up to 20 s for
it), so commit latency grows with the number of learners committing at the same moment,
and a write that waits longer than 20 s answers 503 ("briefly unavailable"), storing
nothing. The default of 50 learners at once is the load it is meant for (a classroom);
beyond that, or with more than one app server, use PostgreSQL. ``--learners 200 --sqlite``
shows how far past it the headroom goes on a given machine.
"""

import argparse
import contextlib
import http.client
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
LESSON_SLUG = "iam-best-practices"
PG_SERVER = os.environ.get("LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "trainer_load"
WORKERS, THREADS = 4, 2
KEEPALIVE_SECONDS = 1.0


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# Setup -------------------------------------------------------------------------------------


def create_database(workdir: Path, sqlite: bool):
    """A fresh database URL, its description and a function that drops it."""
    if sqlite:
        return f"sqlite:///{workdir / 'load.sqlite3'}", "SQLite (one file, WAL)", lambda: None
    import psycopg

    def drop():
        with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")

    drop()
    with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return PG_SERVER.rsplit("/", 1)[0] + f"/{PG_DATABASE}", f"PostgreSQL {version}", drop


def manage(env, *args):
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, port, logfile):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "trainer.wsgi",
        "-w",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        command, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("[load] gunicorn exited at start; see its log")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health/")
            if connection.getresponse().status == 200:
                return process
        time.sleep(0.2)
    raise SystemExit("[load] gunicorn did not answer /health/ within 60 s")


def stop_gunicorn(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def lesson_items():
    """What a learner can commit to in the shipped lesson, with each item's options."""
    from lessons.models import Lesson, QuestionKind
    from quizzes.items import ITEM_TYPES

    lesson = Lesson.objects.get(slug=LESSON_SLUG)
    items = []
    for step in lesson.steps.exclude(prediction_prompt="").order_by("order"):
        items.append(("step", step.pk, [str(o.pk) for o in step.options.all()]))
    for myth in lesson.myths.order_by("order"):
        items.append(("myth", myth.pk, ["yes", "no"]))
    for pitfall in lesson.pitfalls.order_by("order"):
        options = ITEM_TYPES["pitfall"].options(pitfall)
        items.append(("pitfall", pitfall.pk, [o.key for o in options]))
    for question in lesson.questions.filter(kind=QuestionKind.PRACTICE).order_by("order"):
        items.append(("question", question.pk, [str(c.pk) for c in question.choices.all()]))
    return lesson.get_absolute_url(), items


# The learners ------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list = field(default_factory=list)
    commit_latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    created: list = field(default_factory=list)  # per learner: commits answered 200
    double_clicks: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """One learner's cookie jar, shared by its connections."""

    def __init__(self, port, timeout):
        self.port, self.timeout = port, timeout
        self.cookies = {}
        self.lock = threading.Lock()

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def request(self, connection, method, path, form=None, tally=None, commit=False):
        headers = {"Host": "127.0.0.1"}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            token = self.cookies.get("csrftoken", "")
        body = None
        if form is not None:
            body = urlencode(form)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-CSRFToken": token,
                    "HX-Request": "true",
                }
            )
        started = time.perf_counter()
        if started - getattr(connection, "last_used", started) > KEEPALIVE_SECONDS:
            # gunicorn closes a keep-alive connection idle for 2 s; a browser opens a new
            # one rather than send into a socket the server may have closed.
            connection.close()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            with tally.lock:
                tally.errors.append(f"{method} {path}: {error.__class__.__name__}: {error}")
            return None
        connection.last_used = time.perf_counter()
        elapsed = connection.last_used - started
        cookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
        with self.lock:
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        with tally.lock:
            tally.latencies.append(elapsed)
            if commit:
                tally.commit_latencies.append(elapsed)
            tally.statuses[response.status] += 1
        return response.status


def learner(port, lesson_url, items, tally, start, deadline, timeout, seed):
    rng = random.Random(seed)  # noqa: S311 (answers for a simulation, not secrets)
    browser = Browser(port, timeout)
    connection = browser.connection()
    created = 0
    start.wait()
    try:
        if browser.request(connection, "GET", lesson_url, tally=tally) != 200:
            return
        double_clicked = False
        for kind, pk, options in items:
            if time.monotonic() > deadline:
                break
            url = f"{lesson_url}commit/{kind}/{pk}/"
            form = {"answer": rng.choice(options)}
            if kind == "myth" and created and not double_clicked:
                double_clicked = True
                created += double_click(browser, url, form, tally)
                continue
            status = browser.request(connection, "POST", url, form, tally=tally, commit=True)
            created += status == 200
        browser.request(connection, "GET", lesson_url, tally=tally)
    finally:
        connection.close()
        with tally.lock:
            tally.created.append(created)


def double_click(browser, url, form, tally):
    """The same commit twice at the same moment: one must be stored, the other told 409."""
    statuses = []
    ready = threading.Barrier(2)

    def click():
        connection = browser.connection()
        ready.wait()
        statuses.append(browser.request(connection, "POST", url, form, tally=tally, commit=True))
        connection.close()

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    with tally.lock:
        tally.double_clicks[tuple(sorted(s or 0 for s in statuses))] += 1
    return statuses.count(200)


# Checks ------------------------------------------------------------------------------------


def check_database(tally: Tally) -> list[str]:
    from django.db.models import Count, Q

    from quizzes.models import Commit, ItemKind, LessonProgress

    problems = []
    stored = Commit.objects.count()
    answered = sum(tally.created)
    if stored != answered:
        problems.append(f"{stored} commits stored but {answered} answered 200 (created)")
    for kind in ItemKind.values:
        keys = ["learner", kind] + (["attempt"] if kind == ItemKind.QUESTION else [])
        doubled = (
            Commit.objects.filter(kind=kind).values(*keys).annotate(n=Count("pk")).filter(n__gt=1)
        )
        if doubled.exists():
            problems.append(f"{doubled.count()} {kind} items committed twice by one learner")
    per_learner = sorted(
        Commit.objects.values("learner").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    if per_learner != sorted(n for n in tally.created if n):
        problems.append("commits per learner in the database differ from the 200s each got")
    summaries = LessonProgress.objects.annotate(
        steps=Count("learner__commits", filter=Q(learner__commits__kind="step"), distinct=True),
        myths=Count("learner__commits", filter=Q(learner__commits__kind="myth"), distinct=True),
    )
    drifted = [p for p in summaries if (p.predictions_done, p.myths_done) != (p.steps, p.myths)]
    if drifted:
        problems.append(f"{len(drifted)} progress summaries disagree with their commits")
    if tally.double_clicks.keys() - {(200, 409)}:
        problems.append(f"double-clicks answered {dict(tally.double_clicks)}, not (200, 409)")
    return problems


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


# Main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--learners", type=int, help="simulated learners (200; 50 on SQLite)")
    parser.add_argument("--seconds", type=float, default=120, help="stop after this long")
    parser.add_argument("--timeout", type=float, default=30, help="per request, in seconds")
    parser.add_argument("--seed", type=int, default=8, help="for the random answers")
    args = parser.parse_args()
    learners = args.learners or (50 if args.sqlite else 200)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trainer-load-"))
    cleanup = contextlib.ExitStack()
    cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
    logfile = open(workdir / "gunicorn.log", "w+b")  # noqa: SIM115 (closed by the stack)
    cleanup.callback(logfile.close)
    try:
        database_url, database, drop = create_database(workdir, args.sqlite)
        cleanup.callback(drop)
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "trainer.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: TLS ends at the load balancer in production.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(workdir / "static"),
            "LOG_LEVEL": "ERROR",
        }
        log(f"{database}; migrating, loading lessons, collecting static files")
        manage(env, "migrate", "--noinput")
        manage(env, "load_lessons")
        manage(env, "collectstatic", "--noinput")
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        lesson_url, items = lesson_items()

        server = start_gunicorn(env, port, logfile)
        cleanup.callback(stop_gunicorn, server)
        log(
            f"gunicorn -w {WORKERS} --threads {THREADS} on port {port}; "
            f"{learners} learners x {len(items)} items, at most {args.seconds:.0f} s"
        )
        tally = Tally()
        start = threading.Barrier(learners + 1)
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=learner,
                args=(port, lesson_url, items, tally, start, deadline, args.timeout, args.seed + n),
                daemon=True,
            )
            for n in range(learners)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join(timeout=max(0.1, deadline + args.timeout - time.monotonic()))
        elapsed = time.perf_counter() - began
        stop_gunicorn(server)

        server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
        problems = check_database(tally)
        if server_errors:
            problems.insert(0, f"{server_errors} responses were 5xx")
        if tally.errors:
            problems.insert(0, f"{len(tally.errors)} requests failed: {tally.errors[:3]}")
        unfinished = sum(thread.is_alive() for thread in threads)
        if unfinished:
            problems.insert(0, f"{unfinished} learners did not finish in time")

        requests = len(tally.latencies)
        print(f"database:        {database}")
        print(f"server:          gunicorn trainer.wsgi -w {WORKERS} --threads {THREADS}")
        print(f"learners:        {learners} at once, {len(items)} commits each + 2 page views")
        print(f"requests:        {requests} in {elapsed:.1f} s = {requests / elapsed:.0f} per s")
        print(
            "latency (all):   "
            f"p50 {percentile(tally.latencies, 50):.0f} ms, "
            f"p95 {percentile(tally.latencies, 95):.0f} ms, "
            f"p99 {percentile(tally.latencies, 99):.0f} ms"
        )
        print(
            "latency (commit): "
            f"p50 {percentile(tally.commit_latencies, 50):.0f} ms, "
            f"p95 {percentile(tally.commit_latencies, 95):.0f} ms, "
            f"p99 {percentile(tally.commit_latencies, 99):.0f} ms"
        )
        print(f"statuses:        {dict(sorted(tally.statuses.items()))}")
        from quizzes.models import Commit

        print(f"commits stored:  {Commit.objects.count()} for {sum(tally.created)} answered 200")
        print(f"double-clicks:   {dict(tally.double_clicks)}")
        print(f"errors:          {len(tally.errors) + server_errors}")
        for problem in problems:
            print(f"FAILED: {problem}")
        if problems:
            logfile.seek(0)
            print(logfile.read().decode(errors="replace")[-4000:], file=sys.stderr)
        return 1 if problems else 0
    finally:
        cleanup.close()


if __name__ == "__main__":
    sys.exit(main())
