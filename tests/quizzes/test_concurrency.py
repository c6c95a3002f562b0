"""Parallel requests from one learner leave exactly one consistent record.

These run real concurrent transactions from several threads, each on its own database
connection: on PostgreSQL (CI's second pass) and on SQLite's file database alike.
"""

import threading

import pytest

from quizzes.models import Attempt, Commit, LessonProgress
from quizzes.services import attempt_open, attempt_restart, commit_record
from tests.factories import LearnerFactory, full_lesson
from tests.helpers import run_in_parallel

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def parallel(action):
    return run_in_parallel(action, THREADS)


def test_parallel_commits_to_one_item_store_one_record():
    lesson = full_lesson(steps=2, practice=1)
    learner = LearnerFactory()
    step = lesson.steps.exclude(prediction_prompt="").get()
    options = [str(o.pk) for o in step.options.all()]
    counter = iter(range(THREADS))

    def commit():
        answer = options[next(counter) % len(options)]
        return commit_record(learner=learner, kind="step", item=step, answer=answer)

    results = parallel(commit)
    assert sum(created for _, created in results) == 1
    assert len({c.pk for c, _ in results}) == 1
    assert Commit.objects.count() == 1
    progress = LessonProgress.objects.get(learner=learner, lesson=lesson)
    assert progress.predictions_done == 1


def test_parallel_attempt_starts_open_one_attempt():
    lesson = full_lesson(practice=2)
    learner = LearnerFactory()
    results = parallel(lambda: attempt_open(learner=learner, lesson=lesson, kind="practice").pk)
    assert len(set(results)) == 1
    assert Attempt.objects.count() == 1


def test_parallel_commits_to_different_questions_all_count():
    lesson = full_lesson(practice=THREADS)
    learner = LearnerFactory()
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    questions = iter(list(lesson.questions.order_by("order")))
    lock = threading.Lock()

    def commit():
        with lock:
            question = next(questions)
        right = question.choices.get(is_correct=True)
        return commit_record(
            learner=learner, kind="question", item=question, answer=str(right.pk), attempt=attempt
        )

    parallel(commit)
    attempt.refresh_from_db()
    assert attempt.is_finished
    assert attempt.score == THREADS
    progress = LessonProgress.objects.get(learner=learner, lesson=lesson)
    assert progress.practice_done == THREADS


def test_parallel_retries_leave_one_open_attempt():
    lesson = full_lesson(practice=1)
    learner = LearnerFactory()
    attempt_open(learner=learner, lesson=lesson, kind="practice")
    parallel(lambda: attempt_restart(learner=learner, lesson=lesson, kind="practice").pk)
    assert Attempt.objects.filter(finished_at=None).count() == 1
    numbers = list(Attempt.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_parallel_finish_records_one_result():
    from quizzes.services import attempt_finish

    lesson = full_lesson(practice=0, test=3)
    learner = LearnerFactory()
    attempt = attempt_open(learner=learner, lesson=lesson, kind="test")
    stamps = parallel(
        lambda: (
            attempt_finish(learner=learner, attempt=Attempt.objects.get(pk=attempt.pk)).finished_at
        )
    )
    assert len(set(stamps)) == 1
    attempt.refresh_from_db()
    assert (attempt.score, attempt.total, attempt.verdict) == (0, 3, "needs-work")
    assert LessonProgress.objects.get(learner=learner, lesson=lesson).test_attempts == 1
