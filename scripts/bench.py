"""Benchmark the platform under gunicorn, beside two floors, and write docs/benchmarks.md.

    python3 -m uv run python scripts/bench.py            # about three minutes
    python3 -m uv run python scripts/bench.py --quick    # shorter cells, for a smoke run

It creates a throwaway PostgreSQL database (trainer_bench on 127.0.0.1:5432; a temporary
SQLite file when PostgreSQL does not answer, or with --sqlite), migrates, loads the shipped
lessons, seeds 1,000 learners with progress and 20 teams, collects static files and starts
gunicorn on loopback with trainer/gunicorn.conf.py, DEBUG off. Redis is used for cache and
sessions when it answers (--no-redis for the one-machine setup), under a key prefix of its
own that is deleted afterwards.

Every cell runs at 8 and then 32 concurrent clients, each with its own cookie jar and
keep-alive connection, for --seconds or --requests, whichever ends first, after a warm-up.
The load generator is plain sockets in two processes of threads on the same machine, so
it takes CPU from the server: compare rows within one run (the floors are there for that),
not across machines. Everything it started is stopped and removed, even on failure.
"""

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import platform
import random
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
LESSON_SLUG = "iam-best-practices"
LEARNERS = 1000
TEAMS = 20
BIG_TEAM = 500
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "trainer_bench"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CLIENT_PROCESSES = 2

# Targets from issue 9, checked against this run's figures.
RSS_LIMIT_MB = 150
COMMIT_P99_MS = 50
DASHBOARD_MS = 200


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# Setup -----------------------------------------------------------------------------------


def create_database(workdir: Path, force_sqlite: bool):
    """A fresh database URL and a function that drops it."""
    if not force_sqlite:
        try:
            import psycopg

            with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {PG_DATABASE}")
                version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
        except Exception as error:  # any failure means: no PostgreSQL here
            log(f"PostgreSQL did not answer ({error.__class__.__name__}); using SQLite")
        else:

            def drop():
                with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")

            url = PG_SERVER.rsplit("/", 1)[0] + f"/{PG_DATABASE}"
            return url, f"PostgreSQL {version}", drop
    path = workdir / "bench.sqlite3"
    return f"sqlite:///{path}", "SQLite (one file)", lambda: None


def redis_prefix(use_redis: bool):
    """(REDIS_URL, key prefix, cleanup) when Redis answers, else (None, None, no-op)."""
    if not use_redis:
        return None, None, lambda: None
    try:
        import redis

        client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
        client.ping()
    except Exception as error:
        log(f"Redis did not answer ({error.__class__.__name__}); cache in process memory")
        return None, None, lambda: None
    prefix = f"bench-{os.getpid()}-{secrets.token_hex(4)}"

    def cleanup():
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)

    return REDIS, prefix, cleanup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env, *args, quiet=True):
    result = subprocess.run(  # noqa: S603 - our interpreter, our scripts
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"[bench] failed: {' '.join(args)}")
    if not quiet:
        sys.stderr.write(result.stdout)


# The Django side: seeding and the saved page (run in a subprocess with the bench env) ------


def prepare(out: Path) -> None:
    """Seed the population, render the lesson page into static files, describe the data."""
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from lessons.models import Lesson, QuestionKind
    from quizzes import scoring
    from quizzes.models import Attempt, Commit, ItemKind, Learner
    from quizzes.services import progress_refresh

    rng = random.Random(9)  # noqa: S311 - a repeatable population, not a secret
    lesson = Lesson.objects.with_content().get(slug=LESSON_SLUG)
    steps = [s for s in lesson.steps.all() if s.prediction_prompt and s.options.all()]
    myths = list(lesson.myths.all())
    practice = list(lesson.practice_questions)
    tests = {
        q.pk: q for q in lesson.questions.filter(kind=QuestionKind.TEST).prefetch_related("choices")
    }
    pool = {}
    for q in tests.values():
        pool.setdefault(q.difficulty, []).append(q.pk)

    started = time.monotonic()
    User = get_user_model()
    password = make_password("bench-password-not-a-secret")
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(
                    username=f"bench-{i:04d}", email=f"bench-{i:04d}@example.com", password=password
                )
                for i in range(LEARNERS)
            ],
            batch_size=500,
        )
        users = list(User.objects.filter(username__startswith="bench-").order_by("username"))
        Learner.objects.bulk_create([Learner(user=u) for u in users], batch_size=500)
        learners = list(Learner.objects.filter(user__in=users).order_by("user__username"))

        commits, attempts, attempt_answers = [], [], []
        for learner in learners:
            engagement = rng.random()
            if engagement < 0.15:
                continue  # assigned, not started
            depth = 1.0 if engagement > 0.55 else rng.random()
            for step in steps[: max(1, round(depth * len(steps)))]:
                options = list(step.options.all())
                option = next((o for o in options if o.is_expected), options[0])
                if rng.random() > 0.7:
                    option = rng.choice(options)
                commits.append(
                    Commit(
                        learner=learner,
                        lesson=lesson,
                        kind=ItemKind.STEP,
                        step=step,
                        answer=str(option.pk),
                        answer_text=option.text,
                        correct=option.is_expected,
                    )
                )
            for myth in myths[: round(depth * len(myths))]:
                answer = "yes" if rng.random() < 0.5 else "no"
                commits.append(
                    Commit(
                        learner=learner,
                        lesson=lesson,
                        kind=ItemKind.MYTH,
                        myth=myth,
                        answer=answer,
                        answer_text=answer.capitalize(),
                        correct=(answer == "yes") == myth.true_answer,
                    )
                )
            if engagement > 0.35 and practice:
                answered = practice[: max(1, round(depth * len(practice)))]
                attempts.append(
                    Attempt(
                        learner=learner,
                        lesson=lesson,
                        kind=QuestionKind.PRACTICE,
                        number=1,
                        question_ids=[q.pk for q in practice],
                    )
                )
                attempt_answers.append((attempts[-1], answered))
            if engagement > 0.7 and pool:
                drawn = scoring.draw(pool, 10, rng)
                attempts.append(
                    Attempt(
                        learner=learner,
                        lesson=lesson,
                        kind=QuestionKind.TEST,
                        number=1,
                        question_ids=drawn,
                    )
                )
                attempt_answers.append((attempts[-1], [tests[pk] for pk in drawn]))
        Attempt.objects.bulk_create(attempts, batch_size=500)
        now = timezone.now()
        for attempt, questions in attempt_answers:
            results = []
            for question in questions:
                choices = list(question.choices.all())
                choice = next(c for c in choices if c.is_correct)
                if rng.random() > 0.65:
                    choice = rng.choice(choices)
                results.append((question.difficulty, choice.is_correct))
                commits.append(
                    Commit(
                        learner=attempt.learner,
                        lesson=lesson,
                        attempt=attempt,
                        kind=ItemKind.QUESTION,
                        question=question,
                        answer=str(choice.pk),
                        answer_text=choice.text,
                        correct=choice.is_correct,
                    )
                )
            if len(questions) == len(attempt.question_ids):
                attempt.finished_at = now
                attempt.score = scoring.attempt_score([ok for _, ok in results])
                attempt.total = len(questions)
                if attempt.kind == QuestionKind.TEST:
                    attempt.verdict = scoring.verdict(results)
        Attempt.objects.bulk_update(
            [a for a, _ in attempt_answers if a.finished_at],
            ["finished_at", "score", "total", "verdict"],
            batch_size=500,
        )
        Commit.objects.bulk_create(commits, batch_size=1000)
        # The summaries come from the real service, so they agree with the commits.
        for learner_id in {c.learner_id for c in commits}:
            progress_refresh(learner=Learner(pk=learner_id), lesson=lesson)
    log(
        f"seeded {len(learners)} learners, {len(commits)} commits, {len(attempts)} attempts "
        f"in {time.monotonic() - started:.1f} s"
    )

    dashboard_url = manager_cookie = None
    teams_note = ""
    if apps.is_installed("trainer.teams"):
        Team = apps.get_model("teams", "Team")
        Membership = apps.get_model("teams", "Membership")
        Assignment = apps.get_model("teams", "Assignment")
        manager = User.objects.create_user("bench-manager", "manager@example.com", "x" * 20)
        with transaction.atomic():
            teams = Team.objects.bulk_create(
                [Team(name=f"Bench team {i + 1}", slug=f"bench-team-{i + 1}") for i in range(TEAMS)]
            )
            teams = list(Team.objects.filter(slug__startswith="bench-team-").order_by("pk"))
            members = [Membership(team=teams[0], user=u) for u in users[:BIG_TEAM]]
            members += [
                Membership(team=teams[1 + i % (TEAMS - 1)], user=u)
                for i, u in enumerate(users[BIG_TEAM:])
            ]
            members += [Membership(team=t, user=manager, role="manager") for t in teams]
            Membership.objects.bulk_create(members, batch_size=1000)
            due = timezone.localdate() + timedelta(days=14)
            Assignment.objects.bulk_create(
                [
                    Assignment(
                        team=t,
                        lesson=lesson,
                        due_date=due,
                        created_by=manager,
                        minimum_verdict="almost" if i == 0 else "",
                    )
                    for i, t in enumerate(teams)
                ]
            )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(manager)
        manager_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        dashboard_url = reverse("teams:dashboard", kwargs={"slug": teams[0].slug})
        teams_note = f"{TEAMS} teams; the dashboard row shows the team of {BIG_TEAM}"
    else:
        teams_note = "trainer.teams is not installed: no teams, no dashboard row"
        log(teams_note)

    # The static floor: this very page, saved where WhiteNoise serves it from.
    response = Client(HTTP_HOST="127.0.0.1").get(lesson.get_absolute_url())
    assert response.status_code == 200, response.status_code
    floor = Path(settings.STATIC_ROOT) / "bench" / "lesson-page.html"
    floor.parent.mkdir(parents=True, exist_ok=True)
    floor.write_bytes(response.content)

    # Start the cells from a settled database: statistics fresh and the seeding's dirty
    # pages written, so neither autovacuum nor a checkpoint lands inside a measurement.
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    out.write_text(
        json.dumps(
            {
                "lesson_url": lesson.get_absolute_url(),
                "practice_url": reverse("quizzes:practice", kwargs={"slug": lesson.slug}),
                "commit_url": reverse(
                    "quizzes:commit", kwargs={"slug": lesson.slug, "kind": "KIND", "pk": 1}
                )
                .replace("/1/", "/{pk}/")
                .replace("KIND", "{kind}"),
                "items": [
                    {"kind": "step", "pk": s.pk, "answer": str(s.options.all()[0].pk)}
                    for s in steps
                ]
                + [{"kind": "myth", "pk": m.pk, "answer": "no"} for m in myths],
                "practice": [{"pk": q.pk, "answer": str(q.choices.all()[0].pk)} for q in practice],
                "dashboard_url": dashboard_url,
                "manager_cookie": manager_cookie,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "static_floor": settings.STATIC_URL.rstrip("/") + "/bench/lesson-page.html",
                "page_bytes": len(response.content),
                "teams_note": teams_note,
            }
        )
    )


# The load generator ----------------------------------------------------------------------


class Http:
    """One keep-alive HTTP/1.1 connection, lean enough not to be the bottleneck."""

    def __init__(self, port: int):
        self.port = port
        self.sock = None
        self.reader = None

    def close(self):
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        self.sock = self.reader = None

    def request(self, method: str, path: str, headers: dict, body: bytes = b""):
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for retry in (False, True):
            reused = self.sock is not None
            if not reused:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.reader = self.sock.makefile("rb")
            try:
                self.sock.sendall(raw)
                return self._response()
            except (ConnectionError, EOFError):
                self.close()
                if not reused or retry:  # a kept-alive connection may have timed out
                    raise
        raise AssertionError("unreachable")

    def _response(self):
        status_line = self.reader.readline()
        if not status_line:
            raise EOFError("connection closed")
        status = int(status_line.split()[1])
        headers = []
        length, chunked, close = None, False, False
        while True:
            line = self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            headers.append((name, value))
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            body = b""
            while size := int(self.reader.readline().split(b";")[0], 16):
                body += self.reader.read(size)
                self.reader.readline()
            self.reader.readline()
        else:
            body = self.reader.read(length or 0)
        if close:
            self.close()
        return status, headers, body


class Visitor:
    """A simulated browser: its own connection and cookie jar."""

    def __init__(self, port: int, data: dict):
        self.http = Http(port)
        self.data = data
        self.cookies: dict[str, str] = {}
        self.state: dict = {}

    def call(self, method, path, expect=200, htmx=False, form=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get(self.data["csrf_cookie"], "")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form or {}).encode()
        if htmx:
            headers["HX-Request"] = "true"
        status, response_headers, content = self.http.request(method, path, headers, body)
        for name, value in response_headers:
            if name == "set-cookie":
                pair, _, attributes = value.partition(";")
                key, _, cookie = pair.partition("=")
                if "max-age=0" in attributes.lower() or not cookie:
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = cookie.strip().strip('"')
        if status != expect:
            raise BadStatus(f"{method} {path}: {status} (expected {expect})")
        return content

    def new_learner(self):
        """Forget the session (keep the CSRF cookie): the next commit starts a new learner."""
        self.cookies.pop(self.data["session_cookie"], None)


class BadStatus(Exception):
    pass


# Scenarios: prepare(visitor) runs before the clock starts; step(visitor) is one operation.


def _prepare_page(v):
    v.call("GET", v.data["lesson_url"])


def _prepare_learner(v):
    _prepare_page(v)
    for item in v.data["items"][:2] + v.data["items"][-2:]:
        _commit(v, item)
    question = v.data["practice"][0]
    v.call(
        "POST",
        v.data["commit_url"].format(kind="question", pk=question["pk"]),
        htmx=True,
        form={"answer": question["answer"]},
    )


def _commit(v, item):
    url = v.data["commit_url"].format(kind=item["kind"], pk=item["pk"])
    form = {"answer": item["answer"], "next": v.data["lesson_url"]}
    return v.call("POST", url, htmx=True, form=form)


def _commit_step(v):
    queue = v.state.setdefault("queue", [])
    if not queue:
        v.new_learner()
        queue.extend(v.data["items"])
    return _commit(v, queue.pop(0))


def _practice_step(v):
    n = v.state.get("n", 0)
    if n == len(v.data["practice"]):
        v.new_learner()  # one attempt each: a learner with 200 attempts is not realistic
        n = 0
    v.state["n"] = n + 1
    question = v.data["practice"][n]
    v.call("GET", f"{v.data['practice_url']}?q={n + 1}")
    url = v.data["commit_url"].format(kind="question", pk=question["pk"])
    return v.call("POST", url, htmx=True, form={"answer": question["answer"]})


def _prepare_manager(v):
    v.cookies[v.data["session_cookie"]] = v.data["manager_cookie"]


SCENARIOS = {
    "catalog": (None, lambda v: v.call("GET", "/")),
    "lesson": (_prepare_page, lambda v: v.call("GET", v.data["lesson_url"])),
    "lesson-learner": (_prepare_learner, lambda v: v.call("GET", v.data["lesson_url"])),
    "commit": (_prepare_page, _commit_step),
    "practice": (_prepare_page, _practice_step),
    "dashboard": (_prepare_manager, lambda v: v.call("GET", v.data["dashboard_url"])),
    # The floors' clients carry the same cookies as the lesson page's, so the middleware
    # does the same work for both (the session is read to know who is asking).
    "floor-static": (_prepare_page, lambda v: v.call("GET", v.data["static_floor"])),
    "floor-view": (_prepare_page, lambda v: v.call("GET", "/bench/trivial/")),
}


def _client_process(args):
    """One load process: ``threads`` visitors; returns latencies (ms), errors, window."""
    scenario, port, data, threads, seconds, quota, warmup = args
    prepare_visitor, step = SCENARIOS[scenario]
    latencies, errors, sizes = [], [], []
    lock = threading.Lock()
    window = {}

    def start_clock():  # run by the last thread to arrive, before any is released
        now = time.perf_counter()
        window["warm"] = now + warmup
        window["end"] = now + warmup + seconds

    barrier = threading.Barrier(threads, action=start_clock)

    def worker():
        visitor = Visitor(port, data)
        try:
            if prepare_visitor:
                prepare_visitor(visitor)
        except Exception as error:
            errors.append(f"prepare: {error}")
        barrier.wait()
        mine = []
        while time.perf_counter() < window["warm"]:
            with contextlib.suppress(Exception):
                step(visitor)
        while True:
            with lock:
                if len(latencies) + len(mine) >= quota:
                    break
            if time.perf_counter() >= window["end"]:
                break
            started = time.perf_counter()
            try:
                body = step(visitor)
            except Exception as error:
                visitor.http.close()
                errors.append(str(error))
                continue
            mine.append((time.perf_counter() - started) * 1000)
            if len(mine) % 64 == 0:
                with lock:
                    latencies.extend(mine)
                    mine = []
            if not sizes:
                sizes.append(len(body))
        with lock:
            latencies.extend(mine)
        visitor.http.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = min(time.perf_counter(), window["end"]) - window["warm"]
    return latencies, errors, sizes, max(elapsed, 1e-6)


def measure(pool, scenario, port, data, clients, seconds, quota, warmup):
    processes = min(CLIENT_PROCESSES, clients)
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    parts = pool.map(
        _client_process,
        [(scenario, port, data, n, seconds, max(1, quota // processes), warmup) for n in shares],
    )
    latencies = sorted(x for part in parts for x in part[0])
    errors = [e for part in parts for e in part[1]]
    sizes = [s for part in parts for s in part[2]]
    rps = sum(len(part[0]) / part[3] for part in parts)

    def pct(p):
        if not latencies:
            return float("nan")
        return latencies[max(0, math.ceil(p / 100 * len(latencies)) - 1)]

    return {
        "requests": len(latencies),
        "rps": rps,
        "p50": pct(50),
        "p99": pct(99),
        "errors": len(errors),
        "error_sample": errors[:3],
        "bytes": sizes[0] if sizes else 0,
    }


# Gunicorn --------------------------------------------------------------------------------


def start_gunicorn(env, logfile):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "trainer/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    port = int(env["BIND"].rsplit(":", 1)[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("[bench] gunicorn exited at start; see its log above")
        try:
            status, _, _ = Http(port).request("GET", "/bench/trivial/", {})
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("[bench] gunicorn did not answer within 60 s")


def stop_gunicorn(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_log(logfile, lines=40) -> str:
    """The end of gunicorn's output without the access log: errors and tracebacks."""
    logfile.flush()
    logfile.seek(0)
    text = logfile.read().decode(errors="replace").splitlines()
    return "\n".join([line for line in text if not line.startswith("127.0.0.1 - ")][-lines:])


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each of gunicorn's worker processes, in MB."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


# Report ----------------------------------------------------------------------------------

ROWS = [
    ("catalog", "Catalog"),
    ("lesson", "Lesson page (visitor)"),
    ("lesson-learner", "Lesson page (learner with commits)"),
    ("commit", "Commit + reveal fragment (HTMX POST)"),
    ("practice", "Practice flow (GET question + POST answer) †"),
    ("dashboard", "Team dashboard, 500 learners (manager)"),
    ("floor-static", "Floor: static copy of the lesson page (WhiteNoise)"),
    ("floor-view", "Floor: trivial Django view, same bytes"),
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    return f"{cpu}, {os.cpu_count()} cores{memory}, Linux {platform.release()}"


def report(results, meta) -> str:
    def cell(r, key, fmt):
        return fmt.format(r[key]) if r else "-"

    lines = [
        "# Benchmarks",
        "",
        f"Latest run of `python3 -m uv run python scripts/bench.py`: {meta['date']}.",
        "",
        f"- Machine: {meta['machine']}.",
        f"- Server: gunicorn with `trainer/gunicorn.conf.py` ({meta['workers']} workers x "
        f"{meta['threads']} thread{'' if meta['threads'] == 1 else 's'} each, "
        f"{meta['worker_class']}), DEBUG off, on 127.0.0.1; "
        f"{meta['database']}; cache and sessions in {meta['cache']}.",
        f"- Data: the IAM lesson ({meta['page_bytes'] // 1024} KB page), {LEARNERS:,} learners "
        f"with commits, attempts and progress; {meta['teams_note']}.",
        f"- Machine load (1-minute average) before the run: {meta['load']:.1f}"
        + (
            " - other work was running, so the figures are lower and noisier than this "
            "machine can do; compare rows, not runs."
            if meta["load"] > 1.0
            else "."
        ),
        f"- Load: {CLIENT_PROCESSES} processes of threads on the same machine, one keep-alive "
        f"connection and cookie jar per client; each cell {meta['warmup']:g} s warm-up, then "
        f"{meta['seconds']:g} s or {meta['quota']:,} requests. Latency is per request, in ms.",
        "",
        "| | clients | requests | req/s | p50 ms | p99 ms | errors | bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in ROWS:
        for clients in meta["levels"]:
            r = results.get((key, clients))
            if r is None:
                continue
            lines.append(
                f"| {label} | {clients} | {r['requests']:,} | {r['rps']:,.0f} | "
                f"{r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['bytes']:,} |"
            )
        if key == "dashboard" and (key, 1) in results:
            r = results[(key, 1)]
            lines.append(
                f"| {label}, one at a time | 1 | {r['requests']:,} | {r['rps']:,.0f} | "
                f"{r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['bytes']:,} |"
            )
    lines += [
        "",
        "- Lesson page (visitor): someone who has read the page before and committed "
        "nothing; served by `trainer/pagecache.py` (rendered once per lesson version and "
        "process, with the visitor's own CSRF token and nonce).",
        "- Lesson page (learner with commits): after 4 commits and a practice answer; "
        "rendered on every request, its content from `lessons/cache.py`.",
        "- Commit: an HTMX POST of a prediction or a myth answer, answered with its reveal "
        "fragment. Each client commits to every item in turn, then starts over as a new "
        "visitor, whose first commit also creates the learner and the session.",
        "- Floors: the same cookies as the lesson page's clients, so the middleware reads "
        "the same session; the trivial view is `trainer/floors.py`, mounted only here.",
        "",
        "† Practice: one operation is two requests (the question page, then the answer "
        "fragment); req/s counts operations and latency is the pair's.",
        "",
        f"Worker memory after the run (VmRSS): {', '.join(f'{m:.0f} MB' for m in meta['rss'])}.",
        "",
        "## Targets (issue 9)",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    for target, measured, ok in meta["targets"]:
        lines.append(f"| {target} | {measured} | {'met' if ok else '**missed**'} |")
    lines.append("")
    return "\n".join(lines)


def targets(results, meta):
    checks = []
    for clients in meta["levels"]:
        page, floor = results.get(("lesson", clients)), results.get(("floor-view", clients))
        if page and floor:
            ratio = page["rps"] / floor["rps"]
            checks.append(
                (
                    f"lesson page >= 1/2 the req/s of the trivial view ({clients} clients)",
                    f"{page['rps']:,.0f} / {floor['rps']:,.0f} = {ratio:.2f}",
                    ratio >= 0.5,
                )
            )
    commit = results.get(("commit", 8))
    if commit:
        checks.append(
            (
                f"commit + reveal p99 < {COMMIT_P99_MS} ms at 8 clients",
                f"{commit['p99']:.1f} ms",
                commit["p99"] < COMMIT_P99_MS,
            )
        )
    dashboard = results.get(("dashboard", 1))
    if dashboard:
        checks.append(
            (
                f"team dashboard for 500 learners < {DASHBOARD_MS} ms (median, one request "
                "at a time)",
                f"median {dashboard['p50']:.0f} ms, p99 {dashboard['p99']:.0f} ms",
                dashboard["p50"] < DASHBOARD_MS,
            )
        )
    if meta["rss"]:
        checks.append(
            (
                f"each gunicorn worker < {RSS_LIMIT_MB} MB resident after the run",
                f"largest {max(meta['rss']):.0f} MB",
                max(meta["rss"]) < RSS_LIMIT_MB,
            )
        )
    errors = sum(r["errors"] for r in results.values())
    checks.append(("no errors", f"{errors} errors", errors == 0))
    return checks


# Main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per cell")
    parser.add_argument("--requests", type=int, default=20000, help="request cap per cell")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time per cell")
    parser.add_argument("--clients", default="8,32", help="concurrency levels")
    parser.add_argument("--quick", action="store_true", help="1 s cells: a smoke run")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL answers")
    parser.add_argument("--no-redis", action="store_true", help="no Redis: per-process cache")
    parser.add_argument("--only", help="comma-separated rows to run, e.g. lesson,floor-view")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(Path(args.out))
        return 0
    if args.quick:
        args.seconds, args.warmup = 1.0, 0.3
    levels = [int(n) for n in args.clients.split(",")]

    load_before = os.getloadavg()[0]
    # SIGTERM unwinds like Ctrl-C, so the cleanup below runs either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trainer-bench-"))
    cleanup = contextlib.ExitStack()
    cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
    server = None
    logfile = open(workdir / "gunicorn.log", "w+b")  # noqa: SIM115 - closed by the stack
    cleanup.callback(logfile.close)
    try:
        database_url, database, drop = create_database(workdir, args.sqlite)
        cleanup.callback(drop)
        redis_url, prefix, flush = redis_prefix(not args.no_redis)
        cleanup.callback(flush)
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "trainer.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: TLS ends at the load balancer in production.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(workdir / "static"),
            "BENCH_FLOORS": "1",
            "BENCH_FLOOR_FILE": str(workdir / "static" / "bench" / "lesson-page.html"),
            "BIND": f"127.0.0.1:{port}",
            "GUNICORN_LOG_LEVEL": "warning",
            # Workers are not recycled during a run: a fresh worker would be measured cold,
            # and in a working tree it would load templates edited since the start.
            "MAX_REQUESTS": "0",
            "LOG_LEVEL": "ERROR",
        }
        if redis_url:
            env.update(REDIS_URL=redis_url, CACHE_KEY_PREFIX=prefix)
        log(f"database: {database}; cache: {'Redis' if redis_url else 'process memory'}")
        started = time.monotonic()
        run(env, "manage.py", "migrate", "--noinput")
        run(env, "manage.py", "load_lessons")
        run(env, "manage.py", "collectstatic", "--noinput")
        data_file = workdir / "data.json"
        run(env, "scripts/bench.py", "--stage", "prepare", "--out", str(data_file), quiet=False)
        data = json.loads(data_file.read_text())
        log(f"setup took {time.monotonic() - started:.0f} s; starting gunicorn on port {port}")

        server = start_gunicorn(env, logfile)
        cleanup.callback(stop_gunicorn, server)
        conf = runpy.run_path(str(ROOT / "trainer" / "gunicorn.conf.py"))

        # Each floor is measured right before the rows compared with it, so a change in
        # the machine's load during the run skews their ratio as little as possible.
        order = ["floor-static", "floor-view", "lesson", "catalog", "lesson-learner", "commit",
                 "practice", "dashboard"]  # fmt: skip
        plan = [(key, clients) for clients in levels for key in order]
        if data["dashboard_url"]:
            plan.insert(plan.index(("dashboard", levels[0])), ("dashboard", 1))
        else:
            plan = [p for p in plan if p[0] != "dashboard"]
        if args.only:
            plan = [p for p in plan if p[0] in args.only.split(",")]
        results = {}
        context = multiprocessing.get_context("fork")
        with context.Pool(CLIENT_PROCESSES) as pool:
            # Every worker compiles its templates and opens its connections here.
            for key in dict.fromkeys(k for k, _ in plan):
                measure(pool, key, port, data, 8, 0.5, args.requests, 0.2)
            for key, clients in plan:
                result = measure(
                    pool, key, port, data, clients, args.seconds, args.requests, args.warmup
                )
                results[(key, clients)] = result
                log(
                    f"{key:15} {clients:>3} clients: {result['rps']:8.0f} req/s  "
                    f"p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
                    f"errors {result['errors']}"
                    + (f"  e.g. {result['error_sample'][0]}" if result["errors"] else "")
                )
        rss = worker_rss_mb(server.pid)
        meta = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "database": database,
            "cache": "Redis" if redis_url else "each process's memory (no REDIS_URL)",
            "workers": conf.get("workers"),
            "threads": conf.get("threads"),
            "worker_class": conf.get("worker_class"),
            "page_bytes": data["page_bytes"],
            "teams_note": data["teams_note"],
            "seconds": args.seconds,
            "quota": args.requests,
            "warmup": args.warmup,
            "levels": levels,
            "rss": rss,
            "load": load_before,
        }
        meta["targets"] = targets(results, meta)
        if any(r["errors"] for r in results.values()):
            log("some requests failed; the server's log says:\n" + server_log(logfile))
        text = report(results, meta)
        Path(args.output).write_text(text)
        print(text)
        log(f"wrote {args.output}")
        return 0
    except BaseException:
        excerpt = server_log(logfile)
        if excerpt.strip():
            sys.stderr.write(f"[bench] gunicorn log (tail):\n{excerpt}\n")
        raise
    finally:
        cleanup.close()


if __name__ == "__main__":
    sys.exit(main())
