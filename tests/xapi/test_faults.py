"""An LRS that answers 500, garbage or not HTTP at all: a clear error, nothing lost."""

import json
import logging
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tests.factories import LearnerFactory, full_lesson
from tests.xapi.conftest import complete_lesson
from trainer.xapi.models import OutgoingStatement
from trainer.xapi.services import backoff, statement_enqueue, statements_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(xapi_on):
    """Four statements of a completed lesson, waiting to be sent."""
    complete_lesson(LearnerFactory(), full_lesson(steps=1, practice=0))
    return list(OutgoingStatement.objects.values_list("pk", flat=True))


def assert_all_kept(queued, error):
    for statement in OutgoingStatement.objects.all():
        assert statement.sent_at is None
        assert statement.attempts == 1
        assert error in statement.last_error
        assert "\x00" not in statement.last_error  # a NUL byte fits no PostgreSQL text
    assert sorted(OutgoingStatement.objects.values_list("pk", flat=True)) == sorted(queued)


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("500", "The LRS answered 500 to a batch of 4: 'Internal Server Error'"),
        ("garbage", "The LRS answered 200 without a list of statement ids: '<html>Welcome"),
        ("not http", "did not answer"),
    ],
)
def test_send_statements_reports_a_broken_lrs_and_keeps_the_queue(
    queued, broken_lrs, caplog, mode, error
):
    """The command fails with what the LRS answered, logs it, and keeps every statement
    with the error and a next try; nothing is marked sent."""
    broken_lrs.mode = mode
    with caplog.at_level(logging.ERROR, "trainer.xapi"), pytest.raises(CommandError) as raised:
        call_command("send_statements")
    assert "4 statement(s) kept for a later try" in str(raised.value)
    assert error in str(raised.value)
    assert error in caplog.text
    assert_all_kept(queued, error)
    assert len(broken_lrs.requests) == 1


def test_failures_back_off_exponentially(queued, broken_lrs):
    """Each failed try doubles the wait before the next, and a try before then sends
    nothing."""
    start = timezone.now()
    statements_send()
    assert statements_send().kept == 0  # not due: the LRS is not asked again
    assert len(broken_lrs.requests) == 1
    OutgoingStatement.objects.update(next_try_at=start)
    statements_send()
    statement = OutgoingStatement.objects.first()
    assert statement.attempts == 2
    assert statement.next_try_at >= start + timezone.timedelta(minutes=2)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == timezone.timedelta(hours=6)


def test_one_invalid_statement_does_not_hold_back_the_others(xapi_on, broken_lrs):
    """When the LRS refuses a batch for one statement, each is sent alone: the others are
    sent and only the refused one is kept, with the LRS's reason."""
    broken_lrs.mode = "reject bad"
    good = statement_enqueue({"verb": {"id": "http://adlnet.gov/expapi/verbs/answered"}})
    bad = statement_enqueue({"verb": {"id": "http://example.com/bad"}})
    report = statements_send()
    assert (report.sent, report.kept) == (1, 1)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.sent_at is not None
    assert bad.sent_at is None
    assert "The LRS answered 400 to statement" in bad.last_error
    assert "invalid statement" in bad.last_error
    methods = [(method, path.split("?")[0]) for method, path, _ in broken_lrs.requests]
    assert methods == [("POST", "/xAPI/statements"), *[("PUT", "/xAPI/statements")] * 2]


def test_statements_are_sent_with_their_credentials_and_version_header(queued, broken_lrs):
    """Each request carries basic-auth credentials from the settings and the xAPI version."""
    statements_send()
    assert broken_lrs.headers[0]["Authorization"] == "Basic dTpw"  # u:p
    assert broken_lrs.headers[0]["X-Experience-API-Version"] == "1.0.3"


def test_send_statements_refuses_to_run_without_an_endpoint():
    """With XAPI_ENDPOINT unset the command says learning records are off."""
    with override_settings(XAPI_ENDPOINT=""), pytest.raises(CommandError, match="is not set"):
        call_command("send_statements")


@pytest.mark.django_db(transaction=True)
def test_senders_running_at_once_send_each_statement_once(broken_lrs):
    """Three senders started together share the queue: every statement reaches the LRS
    exactly once and all are marked sent."""
    broken_lrs.mode = "ok"
    with override_settings(XAPI_ENDPOINT=broken_lrs.endpoint):
        ids = {str(statement_enqueue({"n": n}).pk) for n in range(30)}
        start = threading.Barrier(3)

        def sender():
            try:
                start.wait()
                statements_send(batch_size=4)
            finally:
                connection.close()

        threads = [threading.Thread(target=sender) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    posted = [s["id"] for _, _, body in broken_lrs.requests for s in json.loads(body)]
    assert sorted(posted) == sorted(ids)
    assert not OutgoingStatement.objects.unsent().exists()
