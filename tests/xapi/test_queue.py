"""What is queued, and when: one statement per record, in the record's own transaction."""

import pytest
from django.core.checks import run_checks
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from quizzes.services import commit_record
from tests.factories import LearnerFactory, full_lesson
from tests.xapi.conftest import complete_lesson, take_test
from trainer.backup import records_export, records_restore
from trainer.xapi.models import OutgoingStatement
from trainer.xapi.services import _claim

pytestmark = pytest.mark.django_db


def verbs():
    return [s.payload["verb"]["display"]["en-US"] for s in OutgoingStatement.objects.all()]


def test_nothing_is_queued_while_xapi_endpoint_is_unset():
    """Off by default: a whole lesson and a test leave the queue empty."""
    learner, lesson = LearnerFactory(), full_lesson(test=3)
    complete_lesson(learner, lesson)
    take_test(learner, lesson, right=3)
    assert not OutgoingStatement.objects.exists()


def test_a_commit_queues_one_answered_statement_with_its_own_id(xapi_on):
    """A commit queues "answered" for the learner's account, the statement's id being the
    queue row's; a repeated commit to the same item queues nothing more."""
    learner, lesson = LearnerFactory(), full_lesson()
    myth = lesson.myths.first()
    commit_record(learner=learner, kind="myth", item=myth, answer="no")
    commit_record(learner=learner, kind="myth", item=myth, answer="yes")
    statement = OutgoingStatement.objects.get()
    assert statement.payload["id"] == str(statement.id)
    assert statement.payload["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert statement.payload["actor"]["account"] == {
        "homePage": "http://testserver",
        "name": str(learner.user_id),
    }
    assert statement.payload["object"]["id"].endswith(f"/xapi/lessons/{lesson.slug}/myth/{myth.pk}")
    assert statement.sent_at is None


def test_a_commit_rolled_back_leaves_no_statement(xapi_on):
    """The statement is written in the commit's transaction: if that transaction rolls
    back, there is neither a commit nor a statement."""
    learner, lesson = LearnerFactory(), full_lesson()

    class Abort(Exception):
        pass

    def commit_then_fail():
        with transaction.atomic():
            commit_record(learner=learner, kind="myth", item=lesson.myths.first(), answer="no")
            assert OutgoingStatement.objects.count() == 1
            raise Abort

    with pytest.raises(Abort):
        commit_then_fail()
    assert not OutgoingStatement.objects.exists()
    assert not learner.commits.exists()


def test_completing_a_lesson_queues_completed_once(xapi_on):
    """The commit that completes the lesson queues "completed" on the lesson, and a
    finished practice run "completed" on the practice set."""
    learner, lesson = LearnerFactory(), full_lesson(steps=2, practice=2)
    complete_lesson(learner, lesson)
    assert verbs() == ["answered"] * 5 + ["completed", "completed"]
    objects = [s.payload["object"]["id"] for s in OutgoingStatement.objects.all()]
    assert objects[-2].endswith(f"/lessons/{lesson.slug}/practice")
    assert objects[-1].endswith(f"/lessons/{lesson.slug}")


def test_a_finished_pattern_test_queues_its_result(xapi_on):
    """The last answer of a pattern test queues "answered", then "passed" or "failed"
    with the score and verdict."""
    learner, lesson = LearnerFactory(), full_lesson(practice=0, test=3)
    take_test(learner, lesson, right=1)
    result = OutgoingStatement.objects.order_by("queued_at").last().payload
    assert result["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert result["result"]["score"] == {"raw": 1, "min": 0, "max": 3, "scaled": 0.3333}
    assert result["result"]["extensions"] == {
        "http://testserver/xapi/extensions/verdict": "needs-work"
    }


def test_an_anonymous_visitors_commits_are_not_queued(xapi_on):
    """A visitor without an account is nobody the company knows: nothing is queued."""
    learner, lesson = LearnerFactory(user=None), full_lesson()
    commit_record(learner=learner, kind="myth", item=lesson.myths.first(), answer="no")
    assert not OutgoingStatement.objects.exists()


@override_settings(XAPI_ACTOR="username")
def test_xapi_actor_username_names_the_learner_by_username(xapi_on):
    """With XAPI_ACTOR=username the account is named by its username (still no e-mail)."""
    learner, lesson = LearnerFactory(), full_lesson()
    commit_record(learner=learner, kind="myth", item=lesson.myths.first(), answer="no")
    actor = OutgoingStatement.objects.get().payload["actor"]
    assert actor["account"]["name"] == learner.user.username
    assert "mbox" not in actor


def test_claim_gives_a_statement_to_one_sender_only(xapi_on):
    """A claimed statement is not due for another sender until its lease runs out."""
    learner, lesson = LearnerFactory(), full_lesson()
    for myth in lesson.myths.all():
        commit_record(learner=learner, kind="myth", item=myth, answer="no")
    first = _claim(1)
    second = _claim(5)
    third = _claim(5)
    assert len(first) == 1
    assert len(second) == 1
    assert {s.pk for s in first}.isdisjoint(s.pk for s in second)
    assert third == []


def test_a_restore_brings_back_the_queue_with_its_ids(xapi_on):
    """Unsent statements survive a backup and restore with their ids, tries and errors,
    and sent ones stay marked sent, so a restore neither loses nor duplicates a record."""
    learner, lesson = LearnerFactory(), full_lesson()
    for myth in lesson.myths.all():
        commit_record(learner=learner, kind="myth", item=myth, answer="no")
    sent, kept = OutgoingStatement.objects.all()
    OutgoingStatement.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    OutgoingStatement.objects.filter(pk=kept.pk).update(attempts=3, last_error="LRS down")
    document = records_export()
    before = list(OutgoingStatement.objects.values())
    OutgoingStatement.objects.all().delete()  # the database is lost

    records_restore(document, replace=True)

    assert list(OutgoingStatement.objects.values()) == before


@pytest.mark.parametrize(
    ("endpoint", "ids"),
    [
        ("", []),
        ("https://lrs.example.com/xAPI", []),
        ("http://127.0.0.1:8100/xAPI", []),
        ("http://lrs.example.com/xAPI", ["xapi.W001"]),
        ("ftp://lrs.example.com/xAPI", ["xapi.E001"]),
    ],
)
def test_checks_report_an_endpoint_that_cannot_work_or_is_not_encrypted(endpoint, ids):
    """A non-HTTP endpoint is an error; a plain-http one off this machine a deploy warning."""
    with override_settings(XAPI_ENDPOINT=endpoint):
        found = [m.id for m in run_checks(include_deployment_checks=True) if "xapi" in m.id]
    assert found == ids
