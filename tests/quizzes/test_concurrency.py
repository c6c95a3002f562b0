"""Parallel requests from one learner leave exactly one consistent record.

These run real concurrent transactions from several threads, each on its own database
connection: on PostgreSQL (CI's second pass) and on SQLite's file database alike.
"""

import threading
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from quizzes.models import Attempt, Commit, Learner, LessonProgress
from quizzes.services import attempt_open, attempt_restart, commit_record
from tests.factories import LearnerFactory, MythFactory, full_lesson
from tests.helpers import page_text, run_in_parallel

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


def posts_at_once(sends):
    """Each of ``sends`` (browser, url, form) posted as htmx in its own thread at the same
    moment, with the cookies that browser has (as its tabs would send them); return the
    ``(status, session cookie value)`` of each answer."""
    queue = iter(sends)
    lock = threading.Lock()

    def post():
        with lock:
            browser, url, form = next(queue)
        tab = Client(enforce_csrf_checks=True)
        tab.cookies = SimpleCookie(browser.cookies.output(header="", sep=";"))
        token = browser.cookies[settings.CSRF_COOKIE_NAME].value
        response = tab.post(
            url, {**form, "csrfmiddlewaretoken": token}, headers={"HX-Request": "true"}
        )
        session = response.cookies.get(settings.SESSION_COOKIE_NAME)
        return response.status_code, session.value if session else None

    return run_in_parallel(post, len(sends))


def commit_send(browser, item, kind, answer):
    url = reverse("quizzes:commit", args=[item.lesson.slug, kind, item.pk])
    return browser, url, {"answer": answer}


def new_visitor(lesson):
    """A browser that has read the lesson page: a CSRF cookie, no session."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(lesson.get_absolute_url())
    assert settings.SESSION_COOKIE_NAME not in browser.cookies
    return browser


@pytest.mark.parametrize("commits", [2, 4])
def test_parallel_first_commits_of_a_new_visitor_make_one_learner(commits):
    """A new visitor's first commits sent at once, with no session yet but the CSRF
    cookie the page set, land on one learner: every answer is stored, and the myths
    page shows all of them whichever answer's session cookie the browser keeps."""
    lesson = full_lesson(steps=1, practice=0)
    for order in range(3, commits + 1):
        MythFactory(lesson=lesson, order=order)
    myths = list(lesson.myths.order_by("order"))
    browser = new_visitor(lesson)

    results = posts_at_once([commit_send(browser, m, "myth", "yes") for m in myths])

    assert [status for status, _ in results] == [200] * commits
    assert all(session for _, session in results)
    learner = Learner.objects.get()
    assert learner.commits.count() == commits
    assert browser.cookies[settings.CSRF_COOKIE_NAME].value not in learner.browser_key
    assert LessonProgress.objects.get(learner=learner, lesson=lesson).myths_done == commits
    right = sum(m.true_answer for m in myths)
    for _, session in results:
        browser.cookies[settings.SESSION_COOKIE_NAME] = session
        page = page_text(browser.get(reverse("trainer:lesson-mode", args=[lesson.slug, "myths"])))
        assert f"Round complete: {right} of {commits} right" in page


def test_parallel_first_commits_of_two_visitors_make_two_learners():
    """Two visitors committing at the same moment each get a learner of their own."""
    lesson = full_lesson(steps=1, practice=0)
    first, second = list(lesson.myths.order_by("order"))
    sends = [
        commit_send(new_visitor(lesson), first, "myth", "yes"),
        commit_send(new_visitor(lesson), second, "myth", "no"),
    ]

    assert [status for status, _ in posts_at_once(sends)] == [200, 200]

    assert Learner.objects.count() == 2
    assert [learner.commits.count() for learner in Learner.objects.all()] == [1, 1]


def post_form(browser, name, data):
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    return browser.post(reverse(name), {**data, "csrfmiddlewaretoken": token})


def test_parallel_first_commits_then_sign_up_carry_every_answer_into_the_account():
    """After first commits sent at once, signing up takes the one learner and all its
    answers; once logged out, the same browser's next commit starts a new learner."""
    lesson = full_lesson(steps=1, practice=0)
    myths = list(lesson.myths.order_by("order"))
    browser = new_visitor(lesson)
    results = posts_at_once([commit_send(browser, m, "myth", "yes") for m in myths])
    browser.cookies[settings.SESSION_COOKIE_NAME] = results[-1][1]
    password = "a long unusual passphrase 42"

    signup = {"username": "newcomer", "password1": password, "password2": password}
    assert post_form(browser, "accounts:signup", signup).status_code == 302

    account = Learner.objects.get()
    assert account.user.username == "newcomer"
    assert account.commits.count() == len(myths)
    assert account.browser_key is None
    post_form(browser, "accounts:logout", {})
    step = lesson.steps.get()
    answer = str(step.options.first().pk)
    assert posts_at_once([commit_send(browser, step, "step", answer)])[0][0] == 200
    assert Learner.objects.count() == 2
    assert Learner.objects.get(user=None).commits.get().step == step


def test_parallel_first_commits_then_log_in_merge_into_the_existing_account():
    """An account's learner takes over what a browser's parallel first commits made."""
    from tests.factories import PASSWORD, UserFactory

    lesson = full_lesson(steps=1, practice=0)
    user = UserFactory()
    mine = LearnerFactory(user=user)
    first, second = list(lesson.myths.order_by("order"))
    commit_record(learner=mine, kind="myth", item=first, answer="no")
    browser = new_visitor(lesson)
    results = posts_at_once([commit_send(browser, m, "myth", "yes") for m in (first, second)])
    browser.cookies[settings.SESSION_COOKIE_NAME] = results[0][1]

    login = {"username": user.username, "password": PASSWORD}
    assert post_form(browser, "accounts:login", login).status_code == 302

    assert list(Learner.objects.all()) == [mine]
    assert sorted(mine.commits.values_list("myth__order", "answer")) == [(1, "no"), (2, "yes")]


def test_parallel_first_acts_of_every_kind_make_one_learner():
    """Whatever a new visitor's first acts are (a prediction, a myth, a practice answer, a
    hint, a step read, a card rating), sent at once they make one learner holding all."""
    from lessons.cards import cards_for
    from quizzes.models import CardSchedule, HintRequest, StepRead

    lesson = full_lesson(steps=2, practice=2)
    predicted, plain = list(lesson.steps.order_by("order"))
    first, second = list(lesson.questions.order_by("order"))
    browser = new_visitor(lesson)
    card = next(c for c in cards_for(lesson) if c.hidden_until is None)
    sends = [
        commit_send(browser, predicted, "step", str(predicted.options.first().pk)),
        commit_send(browser, lesson.myths.first(), "myth", "no"),
        commit_send(browser, first, "question", str(first.choices.first().pk)),
        (browser, reverse("quizzes:hint", args=[lesson.slug, second.pk]), {}),
        (browser, reverse("trainer:step-read", args=[lesson.slug, plain.pk]), {}),
        (
            browser,
            reverse("trainer:flashcard-rate", args=[lesson.slug]),
            {"card": card.key, "rating": "3"},
        ),
    ]

    statuses = [status for status, _ in posts_at_once(sends)]

    assert all(status in (200, 302) for status in statuses), statuses
    learner = Learner.objects.get()
    assert learner.commits.count() == 3
    assert Attempt.objects.get().learner == learner
    assert HintRequest.objects.get().attempt.learner == learner
    assert StepRead.objects.get().learner == learner
    assert CardSchedule.objects.get().learner == learner
