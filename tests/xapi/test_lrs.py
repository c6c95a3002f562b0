"""Sending to a real LRS (ralph's, on loopback) and reading the statements back."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import LearnerFactory, full_lesson
from tests.xapi.conftest import complete_lesson, take_test
from trainer.xapi.models import OutgoingStatement
from trainer.xapi.services import _post, statements_send
from trainer.xapi.tasks import send_statements

pytestmark = pytest.mark.django_db

VERBS = "http://adlnet.gov/expapi/verbs/"


def lesson_iri(lesson):
    return f"http://testserver/xapi/lessons/{lesson.slug}"


def test_send_statements_delivers_commits_test_and_completion(lrs, capsys):
    """A learner's commits, finished pattern test and completion reach the LRS, which
    gives each back by its id and by verb, activity and agent filters."""
    learner, lesson = LearnerFactory(), full_lesson(steps=1, practice=1, test=3)
    complete_lesson(learner, lesson)
    take_test(learner, lesson, right=3)
    queued = list(OutgoingStatement.objects.all())
    call_command("send_statements")
    assert "Sent 10 statement(s)." in capsys.readouterr().out
    assert not OutgoingStatement.objects.unsent().exists()

    for statement in queued:
        [stored] = lrs.statements(statementId=str(statement.id))
        assert stored["verb"] == statement.payload["verb"]
        assert stored["object"]["id"] == statement.payload["object"]["id"]
    passed = lrs.statements(verb=f"{VERBS}passed", activity=f"{lesson_iri(lesson)}/test")
    assert len(passed) == 1
    assert passed[0]["result"]["score"] == {"raw": 3, "min": 0, "max": 3, "scaled": 1.0}
    assert passed[0]["result"]["success"] is True
    completed = lrs.statements(verb=f"{VERBS}completed", activity=lesson_iri(lesson))
    assert [s["object"]["id"] for s in completed] == [lesson_iri(lesson)]
    answers = lrs.statements(
        verb=f"{VERBS}answered", activity=lesson_iri(lesson), related_activities="true"
    )
    assert len(answers) == 7  # a prediction, two myths, a practice question, three in the test
    agent = {"objectType": "Agent", "account": completed[0]["actor"]["account"]}
    assert len(lrs.statements(agent=agent, activity=lesson_iri(lesson))) == 1


def test_send_statements_twice_sends_nothing_twice(lrs):
    """A second run finds nothing due, and the LRS holds each statement once."""
    learner, lesson = LearnerFactory(), full_lesson(steps=1, practice=1)
    complete_lesson(learner, lesson)
    first = statements_send()
    second = statements_send()
    assert (first.sent, second.sent) == (6, 0)
    filters = {"activity": lesson_iri(lesson), "related_activities": "true"}
    assert len(lrs.statements(**filters)) == 6


def test_a_crash_between_sending_and_marking_sent_is_harmless(lrs):
    """Statements the LRS took but the queue never marked sent (a crash in between) are
    sent again; the LRS keeps one of each, and the queue marks them sent."""
    learner, lesson = LearnerFactory(), full_lesson(steps=1, practice=0)
    complete_lesson(learner, lesson)
    payloads = [s.payload for s in OutgoingStatement.objects.all()]
    assert _post(payloads) == "sent"
    report = statements_send()
    assert (report.sent, report.kept) == (len(payloads), 0)
    stored = lrs.statements(activity=lesson_iri(lesson), related_activities="true")
    assert sorted(s["id"] for s in stored) == sorted(p["id"] for p in payloads)


def test_a_statement_stored_with_other_content_counts_as_sent_and_frees_the_batch(lrs):
    """When the LRS already holds one statement's id (409 for the batch), each statement
    is sent alone: that one counts as sent by its id, the others are stored."""
    learner, lesson = LearnerFactory(), full_lesson(steps=1, practice=0)
    complete_lesson(learner, lesson)
    first, *others = OutgoingStatement.objects.all()
    _post([{**first.payload, "timestamp": timezone.now().isoformat()}])
    report = statements_send()
    assert (report.sent, report.kept) == (1 + len(others), 0)
    for statement in others:
        assert lrs.statements(statementId=str(statement.id))


def test_statements_wait_while_the_lrs_is_down_and_drain_when_it_returns(own_ralph, caplog):
    """With the LRS stopped the queue keeps every statement, with the error and a next
    try a minute on; once it runs again, the next due run sends them all, once."""
    learner, lesson = LearnerFactory(), full_lesson(steps=1, practice=0)
    with own_ralph.settings():
        complete_lesson(learner, lesson)
        count = OutgoingStatement.objects.count()
        before = timezone.now()
        report = statements_send()
        assert (report.sent, report.kept) == (0, count)
        assert "did not answer" in caplog.text
        for statement in OutgoingStatement.objects.all():
            assert statement.attempts == 1
            assert statement.sent_at is None
            assert "did not answer" in statement.last_error
            assert statement.next_try_at >= before + timezone.timedelta(seconds=59)
        assert statements_send().sent == 0  # not due yet: nothing is tried

        own_ralph.start()
        OutgoingStatement.objects.update(next_try_at=timezone.now())  # a minute later
        report = statements_send()
        assert (report.sent, report.kept) == (count, 0)
        assert statements_send().sent == 0
        stored = own_ralph.statements(activity=lesson_iri(lesson), related_activities="true")
        assert len(stored) == count


def test_send_statements_task_sends_the_queue(lrs):
    """The django.tasks task sends what is queued and reports it."""
    learner, lesson = LearnerFactory(), full_lesson(steps=1, practice=0)
    complete_lesson(learner, lesson)
    result = send_statements.enqueue()
    assert result.return_value == {"sent": 4, "kept": 0, "errors": []}
    assert not OutgoingStatement.objects.unsent().exists()
