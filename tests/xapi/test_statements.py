"""The statements themselves: built from records without a query or a request."""

import uuid
from datetime import UTC, datetime

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from lessons.models import Lesson
from quizzes.models import Attempt, Commit
from trainer.xapi import statements

SITE = "https://training.example.com"
ACTOR = statements.actor(site_url=SITE, name=42)
WHEN = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


@pytest.fixture
def lesson():
    return Lesson(pk=7, slug="iam", title="IAM best practices", updated_at=WHEN)


def commit(**fields):
    values = {"kind": "myth", "myth_id": 3, "answer": "no", "correct": True, "created_at": WHEN}
    return Commit(**{**values, **fields})


def valid(statement: dict) -> dict:
    """The statement as an LRS would take it: ralph's model of xAPI 1.0.3 accepts it."""
    BaseXapiStatement.model_validate({"id": str(uuid.uuid4()), **statement})
    return statement


def test_answered_names_the_item_by_a_stable_iri_with_the_result(lesson):
    """A commit becomes "answered" on the item's IRI (lesson slug, kind, id), with success,
    score and response, the lesson as parent and the lesson's version in the context."""
    statement = valid(
        statements.answered(site_url=SITE, actor=ACTOR, commit=commit(), lesson=lesson)
    )
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert statement["object"]["id"] == f"{SITE}/xapi/lessons/iam/myth/3"
    assert statement["result"] == {
        "success": True,
        "response": "no",
        "score": {"raw": 1, "min": 0, "max": 1},
    }
    context = statement["context"]
    assert context["contextActivities"]["parent"][0]["id"] == f"{SITE}/xapi/lessons/iam"
    assert context["extensions"] == {
        f"{SITE}/xapi/extensions/lesson-version": "2026-03-04T05:06:07.891011+00:00"
    }
    assert "registration" not in context
    assert statement["timestamp"] == "2026-03-04T05:06:07.891011+00:00"


def test_answered_in_an_attempt_carries_the_attempts_registration(lesson):
    """Every answer of one attempt shares a registration, the same each time it is built,
    and another attempt has another."""
    first = commit(kind="question", myth_id=None, question_id=9, attempt_id=5, correct=False)
    built = [
        statements.answered(site_url=SITE, actor=ACTOR, commit=first, lesson=lesson)
        for _ in range(2)
    ]
    assert built[0]["context"]["registration"] == built[1]["context"]["registration"]
    assert uuid.UUID(built[0]["context"]["registration"])
    assert built[0]["context"]["registration"] != statements.registration(SITE, 6)
    assert built[0]["result"]["success"] is False
    assert built[0]["object"]["id"] == f"{SITE}/xapi/lessons/iam/question/9"


def test_answered_carries_the_learners_confidence_where_the_commit_has_one(lesson):
    """The confidence hook: a commit with a confidence value puts it in a result extension,
    and one without leaves the extension out."""
    confident = commit()
    confident.confidence = 0.8
    statement = valid(
        statements.answered(site_url=SITE, actor=ACTOR, commit=confident, lesson=lesson)
    )
    assert statement["result"]["extensions"] == {f"{SITE}/xapi/extensions/confidence": 0.8}
    plain = statements.answered(site_url=SITE, actor=ACTOR, commit=commit(), lesson=lesson)
    assert "extensions" not in plain["result"]


@pytest.mark.parametrize(
    ("verdict", "verb", "success"),
    [
        ("strong", "passed", True),
        ("almost", "failed", False),
        ("needs-work", "failed", False),
    ],
)
def test_attempt_result_of_a_pattern_test_is_passed_only_at_a_strong_verdict(
    lesson, verdict, verb, success
):
    """A finished pattern test is "passed" at a strong verdict, else "failed", with its
    score (raw, max, scaled) and its verdict."""
    attempt = Attempt(pk=5, kind="test", score=8, total=10, verdict=verdict, finished_at=WHEN)
    statement = valid(
        statements.attempt_result(site_url=SITE, actor=ACTOR, attempt=attempt, lesson=lesson)
    )
    assert statement["verb"]["id"] == f"http://adlnet.gov/expapi/verbs/{verb}"
    assert statement["object"]["id"] == f"{SITE}/xapi/lessons/iam/test"
    assert statement["result"] == {
        "completion": True,
        "success": success,
        "score": {"raw": 8, "min": 0, "max": 10, "scaled": 0.8},
        "extensions": {f"{SITE}/xapi/extensions/verdict": verdict},
    }
    assert statement["context"]["registration"] == statements.registration(SITE, 5)


def test_attempt_result_of_practice_is_completed_with_its_score(lesson):
    """A finished practice run is "completed", scored, and claims no success."""
    attempt = Attempt(pk=5, kind="practice", score=1, total=3, finished_at=WHEN)
    statement = valid(
        statements.attempt_result(site_url=SITE, actor=ACTOR, attempt=attempt, lesson=lesson)
    )
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert statement["object"]["id"] == f"{SITE}/xapi/lessons/iam/practice"
    assert statement["result"]["score"]["scaled"] == 0.3333
    assert "success" not in statement["result"]


def test_attempt_result_of_no_questions_has_no_score(lesson):
    """An attempt of no questions is completed without a score (xAPI wants max above min)."""
    attempt = Attempt(pk=5, kind="practice", score=0, total=0, finished_at=WHEN)
    statement = valid(
        statements.attempt_result(site_url=SITE, actor=ACTOR, attempt=attempt, lesson=lesson)
    )
    assert statement["result"] == {"completion": True}


def test_lesson_completion_is_completed_on_the_lesson(lesson):
    """Completing a lesson is "completed" on the lesson's own IRI, with its version."""
    statement = valid(
        statements.lesson_completion(site_url=SITE, actor=ACTOR, lesson=lesson, completed_at=WHEN)
    )
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert statement["object"]["id"] == f"{SITE}/xapi/lessons/iam"
    assert statement["object"]["definition"]["name"] == {"en-US": "IAM best practices"}
    assert statement["result"] == {"completion": True}
    assert "contextActivities" not in statement["context"]


def test_actor_is_an_account_on_the_site_and_nothing_else():
    """The actor names an account on SITE_URL: no e-mail address, no real name."""
    assert ACTOR == {"objectType": "Agent", "account": {"homePage": SITE, "name": "42"}}
