"""Time a large team's dashboard and CSV export.

    python3 -m uv run python scripts/bench_dashboard.py [--members 500] [--lessons 10] [--runs 7]

Seeds a throwaway SQLite database in a temporary directory (never the developer's own:
DATABASE_URL is overridden before Django starts) with one team of ``--members`` learners,
``--lessons`` assigned lessons, their progress, pattern-test attempts and wrong answers,
then requests the dashboard and the export through Django's test client and prints the
median and fastest time of ``--runs`` requests, with the number of queries each made.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # WhiteNoise warns that collectstatic never ran; irrelevant to these timings.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    import django

    django.setup()

    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)


def seed(members: int, lessons: int, rng: random.Random):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from lessons.models import Lesson, Myth, Step
    from quizzes.models import Attempt, Commit, Learner, LessonProgress
    from trainer.teams.models import Assignment, Membership, Team

    User = get_user_model()
    today = timezone.localdate()
    started = datetime.now(UTC) - timedelta(days=30)

    content = Lesson.objects.bulk_create(
        Lesson(slug=f"bench-{i}", title=f"Bench lesson {i}", category="Bench", published=True)
        for i in range(lessons)
    )
    Step.objects.bulk_create(
        Step(
            lesson=lesson, order=n, title=f"Step {n}", concept="c", body="b", prediction_prompt="?"
        )
        for lesson in content
        for n in range(1, 4)
    )
    Myth.objects.bulk_create(
        Myth(
            lesson=lesson,
            order=n,
            question=f"Myth {n} of {lesson.slug}?",
            belief="b",
            reality="r",
            why_it_matters="w",
            true_answer=False,
        )
        for lesson in content
        for n in range(1, 4)
    )
    myths = {lesson.pk: list(lesson.myths.all()) for lesson in content}

    team = Team.objects.create(name="Bench team", slug="bench-team")
    manager = User.objects.create_user("bench-manager", "manager@example.com", "x")
    Membership.objects.create(team=team, user=manager, role="manager")
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"member{i:04}", email=f"member{i:04}@example.com", password=unusable)
        for i in range(members)
    )
    Membership.objects.bulk_create(Membership(team=team, user=user) for user in users)
    learners = Learner.objects.bulk_create(Learner(user=user) for user in users)
    Assignment.objects.bulk_create(
        Assignment(
            team=team,
            lesson=lesson,
            due_date=today + timedelta(days=rng.randint(-10, 20)),
            minimum_verdict=rng.choice(["", "", "almost", "strong"]),
            created_by=manager,
        )
        for lesson in content
    )

    progress, attempts, commits = [], [], []
    for learner in learners:
        for lesson in content:
            percent = rng.choice([0, 0, 25, 50, 75, 100, 100, 100])
            if not percent:
                continue
            done = started + timedelta(days=rng.randint(1, 29)) if percent == 100 else None
            verdict = rng.choice(["", "needs-work", "almost", "strong"]) if done else ""
            progress.append(
                LessonProgress(
                    learner=learner,
                    lesson=lesson,
                    percent=percent,
                    started_at=started,
                    completed_at=done,
                    practice_score=rng.randint(0, 5),
                    practice_total=5,
                    test_latest_verdict=verdict,
                    test_best_verdict=verdict,
                )
            )
            if verdict:
                attempts.append(
                    Attempt(
                        learner=learner,
                        lesson=lesson,
                        kind="test",
                        number=1,
                        finished_at=done,
                        score=5,
                        total=10,
                        verdict=verdict,
                    )
                )
            for myth in rng.sample(myths[lesson.pk], 2):
                commits.append(
                    Commit(
                        learner=learner,
                        lesson=lesson,
                        kind="myth",
                        myth=myth,
                        answer="yes",
                        answer_text="Yes",
                        correct=False,
                    )
                )
    LessonProgress.objects.bulk_create(progress, batch_size=2000)
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    Commit.objects.bulk_create(commits, batch_size=2000)
    return team, manager, len(progress), len(commits)


def measure(client, url: str, params: dict, runs: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm up: templates compiled, caches filled
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, params)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return statistics.median(timings), min(timings), len(queries), len(response.content)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--lessons", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        configure(workdir / "bench.sqlite3")
        from django.test import Client
        from django.urls import reverse

        seeding = time.perf_counter()
        rng = random.Random(args.seed)  # noqa: S311 (a repeatable data set, not a secret)
        team, manager, rows, wrong = seed(args.members, args.lessons, rng)
        seeded = time.perf_counter() - seeding
        print(
            f"Seeded {args.members} members x {args.lessons} assignments "
            f"({rows} progress rows, {wrong} wrong answers) in {seeded:.1f} s "
            f"on throwaway SQLite in {workdir}"
        )
        client = Client()
        client.force_login(manager)
        dashboard = reverse("teams:dashboard", args=[team.slug])
        export = reverse("teams:export", args=[team.slug])
        cases = [
            ("dashboard, page 1 by name", dashboard, {}),
            ("dashboard, page 5 by state", dashboard, {"sort": "state", "page": 5}),
            ("dashboard, one assignment", dashboard, {"assignment": team.assignments.first().pk}),
            (f"CSV export, {args.members * args.lessons} rows", export, {}),
        ]
        print(f"\n{'request':<32} {'median ms':>10} {'min ms':>8} {'queries':>8} {'KiB':>7}")
        for label, url, params in cases:
            median, fastest, queries, size = measure(client, url, params, args.runs)
            print(f"{label:<32} {median:>10.1f} {fastest:>8.1f} {queries:>8} {size / 1024:>7.0f}")
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
