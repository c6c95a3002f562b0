"""Query budgets: every page and fragment costs a fixed, small number of queries.

Each budget is the count measured when it was set plus a little headroom, so a new query
per request fails a test and has to be argued for, while an N+1 (a query per step, per
member, per attempt) fails at once. Content comes from lessons.cache, so the lesson page
costs the same for a lesson of three steps as for one of thirty.
"""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quizzes.models import Attempt
from tests.factories import (
    AssignmentFactory,
    MembershipFactory,
    QuestionFactory,
    UserFactory,
    full_lesson,
)
from tests.helpers import HTMX
from tests.perf.conftest import commit_everything, commit_url, expected_option
from trainer.views import MODE_PAGES

pytestmark = pytest.mark.django_db

BUDGETS = {
    "catalog": 2,
    "catalog-learner": 9,
    "lesson": 4,
    "lesson-learner": 17,
    "lesson-mode": 15,
    "practice": 13,
    "practice-fragment": 9,
    # The visitor's first commit creates the learner (in a savepoint of its own, so a
    # parallel first commit's duplicate browser key is caught) and the session.
    "commit-step": 16,
    "commit-myth": 9,
    "commit-question": 23,  # the first practice answer also opens the practice attempt
    "test-intro": 10,
    "test-start": 14,
    "test-attempt": 13,
    "test-answer": 24,  # the last answer also finishes the attempt
    "test-result": 13,
    "my-learning": 2,
    "my-learning-user": 14,  # the directory's teams, and the certificates
    "account-page": 2,
    "account-page-user": 5,
    "team-dashboard": 11,
}


def queries(client, method, url, expect=200, **extra):
    """How many queries one request costs (asserting its status)."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, **extra)
    assert response.status_code == expect, (url, response.status_code)
    return len(captured)


def within(name, count):
    assert count <= BUDGETS[name], f"{name}: {count} queries, budget {BUDGETS[name]}"


@pytest.fixture
def lesson():
    lesson = full_lesson(steps=4, practice=3)
    for position, difficulty in enumerate(["easy"] * 4 + ["medium"] * 4 + ["hard"] * 4, 1):
        QuestionFactory(lesson=lesson, kind="test", order=position, difficulty=difficulty)
    return lesson


def test_catalog_stays_within_query_budget(client, lesson):
    full_lesson()
    client.get(reverse("trainer:catalog"))  # each lesson's content (for its minutes) comes cached
    within("catalog", queries(client, "get", reverse("trainer:catalog")))
    commit_everything(client, lesson)
    client.get(reverse("trainer:catalog"))
    within("catalog-learner", queries(client, "get", reverse("trainer:catalog")))


def test_lesson_page_stays_within_query_budget_for_a_visitor(client, lesson):
    client.get(lesson.get_absolute_url())
    within("lesson", queries(client, "get", lesson.get_absolute_url()))


def test_lesson_page_stays_within_query_budget_for_a_learner_with_commits(client, lesson):
    commit_everything(client, lesson)
    client.get(lesson.get_absolute_url())
    within("lesson-learner", queries(client, "get", lesson.get_absolute_url()))


def test_lesson_page_query_count_is_the_same_for_a_small_and_a_large_lesson(client):
    small = full_lesson(steps=2, practice=1)
    large = full_lesson(steps=30, practice=12)
    for lesson in (small, large):
        commit_everything(client, lesson)
        client.get(lesson.get_absolute_url())
    counts = [queries(client, "get", lesson.get_absolute_url()) for lesson in (small, large)]
    assert counts[0] == counts[1]


@pytest.mark.parametrize("mode", MODE_PAGES)
def test_lesson_mode_pages_stay_within_query_budget(client, lesson, mode):
    commit_everything(client, lesson)
    url = reverse("trainer:lesson-mode", kwargs={"slug": lesson.slug, "mode": mode})
    client.get(url)
    within("lesson-mode", queries(client, "get", url))


def test_practice_page_and_fragment_stay_within_query_budget(client, lesson):
    commit_everything(client, lesson)
    url = reverse("quizzes:practice", args=[lesson.slug])
    client.get(url)
    within("practice", queries(client, "get", url))
    within("practice-fragment", queries(client, "get", f"{url}?q=2", **HTMX))


def test_commit_fragments_stay_within_query_budget(client, lesson):
    client.get(lesson.get_absolute_url())
    step = lesson.steps.exclude(prediction_prompt="").get()
    url = commit_url(lesson, "step", step.pk)
    within(
        "commit-step", queries(client, "post", url, data={"answer": expected_option(step)}, **HTMX)
    )
    myth = lesson.myths.first()
    url = commit_url(lesson, "myth", myth.pk)
    within("commit-myth", queries(client, "post", url, data={"answer": "yes"}, **HTMX))
    question = lesson.questions.filter(kind="practice").first()
    url = commit_url(lesson, "question", question.pk)
    data = {"answer": str(question.choices.first().pk)}
    within("commit-question", queries(client, "post", url, data=data, **HTMX))


def test_commit_query_count_is_the_same_for_a_small_and_a_large_lesson(client):
    counts = []
    for lesson in (full_lesson(steps=2, practice=1), full_lesson(steps=30, practice=12)):
        step = lesson.steps.exclude(prediction_prompt="").get()
        client.post(commit_url(lesson, "myth", lesson.myths.first().pk), {"answer": "no"})
        url = commit_url(lesson, "step", step.pk)
        counts.append(queries(client, "post", url, data={"answer": expected_option(step)}, **HTMX))
    assert counts[0] == counts[1]


def test_pattern_test_pages_stay_within_query_budget(client, lesson):
    commit_everything(client, lesson)
    client.get(reverse("quizzes:test", args=[lesson.slug]))
    within("test-intro", queries(client, "get", reverse("quizzes:test", args=[lesson.slug])))
    start = reverse("quizzes:test-start", args=[lesson.slug])
    within("test-start", queries(client, "post", start, expect=302))
    attempt = Attempt.objects.filter(kind="test").latest("pk")
    page = reverse("quizzes:test-attempt", args=[lesson.slug, attempt.number])
    within("test-attempt", queries(client, "get", page))
    for pk in attempt.question_ids:
        choice = lesson.questions.get(pk=pk).choices.first()
        url = reverse("quizzes:test-answer", args=[lesson.slug, attempt.number, pk])
        within("test-answer", queries(client, "post", url, data={"answer": choice.pk}, **HTMX))
    within("test-result", queries(client, "get", page))


def test_my_learning_stays_within_query_budget(client, lesson):
    within("my-learning", queries(client, "get", reverse("trainer:my-learning")))
    user = UserFactory()
    client.force_login(user)
    commit_everything(client, lesson)
    AssignmentFactory(team=MembershipFactory(user=user).team, lesson=lesson)
    client.get(reverse("trainer:my-learning"))
    within("my-learning-user", queries(client, "get", reverse("trainer:my-learning")))


@pytest.mark.parametrize("name", ["accounts:login", "accounts:signup", "accounts:password_reset"])
def test_account_pages_stay_within_query_budget(client, name):
    within("account-page", queries(client, "get", reverse(name)))


def test_password_change_page_stays_within_query_budget(client):
    client.force_login(UserFactory())
    client.get(reverse("trainer:catalog"))
    within("account-page-user", queries(client, "get", reverse("accounts:password_change")))


def test_team_dashboard_query_count_does_not_grow_with_members(client, lesson):
    manager = UserFactory()
    counts = []
    for size in (3, 15):
        team = MembershipFactory(user=manager, role="manager").team
        AssignmentFactory(team=team, lesson=lesson)
        for _ in range(size):
            MembershipFactory(team=team)
        client.force_login(manager)
        url = reverse("teams:dashboard", args=[team.slug])
        client.get(url)
        counts.append(queries(client, "get", url))
    within("team-dashboard", counts[1])
    assert counts[0] == counts[1]


def test_catalog_query_count_does_not_grow_with_lessons_started(client, lesson):
    others = [full_lesson(steps=1, practice=0) for _ in range(3)]
    commit_everything(client, lesson)
    client.get(reverse("trainer:catalog"))
    one = queries(client, "get", reverse("trainer:catalog"))
    for other in others:
        commit_everything(client, other)
    client.get(reverse("trainer:catalog"))
    assert queries(client, "get", reverse("trainer:catalog")) == one


def test_commit_costs_one_query_more_with_learning_records_on(client, lesson):
    """With XAPI_ENDPOINT set a signed-in learner's commit costs one query more (its
    statement's INSERT, in the commit's transaction); unset, it costs what it did."""
    client.force_login(UserFactory())
    step = lesson.steps.exclude(prediction_prompt="").get()
    client.post(commit_url(lesson, "step", step.pk), {"answer": expected_option(step)})
    first, second = lesson.myths.all()[:2]
    off = queries(
        client, "post", commit_url(lesson, "myth", first.pk), data={"answer": "no"}, **HTMX
    )
    with override_settings(XAPI_ENDPOINT="http://127.0.0.1:9/xAPI"):
        url = commit_url(lesson, "myth", second.pk)
        on = queries(client, "post", url, data={"answer": "no"}, **HTMX)
    assert on == off + 1
