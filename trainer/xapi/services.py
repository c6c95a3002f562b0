"""Queue learning records and send them to the company's LRS, in batches, at least once.

A statement is queued in the transaction of the record it describes (listeners.py) with
its id fixed, so it cannot be lost and sending it twice is harmless: the LRS stores a
statement id once, and answers a repeat with success or 409 Conflict, both of which count
as sent here. A sender claims a batch (PostgreSQL's ``SKIP LOCKED`` lets several run side
by side; SQLite's immediate transactions take turns) by moving its next try past the time
the sending can take, sends it outside any transaction, then marks it sent, or keeps it
with the error and a next try that backs off exponentially.
"""

import base64
import http.client
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import statements
from .models import OutgoingStatement

logger = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# An LRS's answer is a list of ids or a short error; more than this is not read.
MAX_ANSWER_BYTES = 1_000_000


class LRSError(Exception):
    """The LRS did not take the statements; the message says what it answered."""


@dataclass
class SendReport:
    sent: int = 0
    kept: int = 0
    errors: tuple[str, ...] = ()
    next_try_at: datetime | None = None

    def __add__(self, other: "SendReport") -> "SendReport":
        tries = [t for t in (self.next_try_at, other.next_try_at) if t is not None]
        return SendReport(
            self.sent + other.sent,
            self.kept + other.kept,
            self.errors + other.errors,
            min(tries, default=None),
        )


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4 ... minutes, at
    most six hours, so an LRS that is down for a day is asked a few dozen times."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def statement_enqueue(payload: dict) -> OutgoingStatement:
    """Queue one statement (one INSERT), its id fixed now and written into it."""
    statement = OutgoingStatement(payload=payload)
    statement.payload = {"id": str(statement.id), **payload}
    statement.save(force_insert=True)
    return statement


def statements_send(*, batch_size: int | None = None, max_batches: int | None = None):
    """Send due statements batch after batch until none is due, a batch fails, or
    ``max_batches`` were sent; return what happened."""
    report = SendReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        batch = statements_send_batch(batch_size=batch_size)
        report += batch
        batches += 1
        if batch.kept or not batch.sent:
            break
    return report


def statements_send_batch(*, batch_size: int | None = None) -> SendReport:
    """Claim up to ``batch_size`` due statements, send them, and record the outcome."""
    if not settings.XAPI_ENDPOINT:
        raise LRSError("XAPI_ENDPOINT is not set: there is no LRS to send to.")
    batch_size = batch_size or settings.XAPI_BATCH_SIZE
    rows = _claim(batch_size)
    if not rows:
        return SendReport()
    failures: dict = {}
    try:
        answer = _post([row.payload for row in rows])
    except LRSError as error:
        failures = {row.pk: _printable(error) for row in rows}
    else:
        if answer == "one by one":
            for row in rows:
                try:
                    _put(row.payload, row.pk)
                except LRSError as error:
                    failures[row.pk] = _printable(error)
    return _record(rows, failures)


def _claim(batch_size: int) -> list[OutgoingStatement]:
    now = timezone.now()
    # Past the longest the sending can take: a batch and then each statement alone.
    lease = timedelta(seconds=settings.XAPI_TIMEOUT * (batch_size + 1) + 60)
    with transaction.atomic():
        rows = list(
            OutgoingStatement.objects.due(now).select_for_update(skip_locked=True)[:batch_size]
        )
        if rows:
            OutgoingStatement.objects.filter(pk__in=[row.pk for row in rows]).update(
                next_try_at=now + lease
            )
    return rows


def _record(rows: list[OutgoingStatement], failures: dict) -> SendReport:
    now = timezone.now()
    sent = [row.pk for row in rows if row.pk not in failures]
    kept = [row for row in rows if row.pk in failures]
    with transaction.atomic():
        if sent:
            OutgoingStatement.objects.filter(pk__in=sent).update(sent_at=now, last_error="")
        for row in kept:
            row.attempts += 1
            row.next_try_at = now + backoff(row.attempts)
            row.last_error = failures[row.pk]
        OutgoingStatement.objects.bulk_update(kept, ["attempts", "next_try_at", "last_error"])
    errors = tuple(dict.fromkeys(failures.values()))
    next_try = min((row.next_try_at for row in kept), default=None)
    for error in errors:
        logger.error(
            "xAPI: %s statement(s) kept for a later try (next at %s): %s",
            sum(1 for message in failures.values() if message == error),
            next_try.isoformat() if next_try else "-",
            error,
        )
    return SendReport(len(sent), len(kept), errors, next_try)


def _post(payloads: list[dict]) -> str:
    """POST the batch. Returns "sent", or "one by one" when the LRS refused the batch as a
    whole for one of its statements (already stored with other content, or invalid), so
    that each is tried alone and one bad statement does not hold back the rest."""
    status, body = _request("POST", _statements_url(), payloads)
    if status == 204:  # every statement was stored already (as ralph answers a resend)
        return "sent"
    if status == 200:
        ids = _json(body)
        if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
            return "sent"
        raise LRSError(f"The LRS answered 200 without a list of statement ids: {_show(body)}")
    if status in (400, 409):
        return "one by one"
    raise LRSError(f"The LRS answered {status} to a batch of {len(payloads)}: {_show(body)}")


def _put(payload: dict, statement_id) -> None:
    """PUT one statement; 204 is stored, 409 is already stored (as sent, by id)."""
    url = f"{_statements_url()}?statementId={statement_id}"
    status, body = _request("PUT", url, payload)
    if status not in (200, 204, 409):
        raise LRSError(f"The LRS answered {status} to statement {statement_id}: {_show(body)}")


def _request(method: str, url: str, document) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": statements.VERSION}
    if settings.XAPI_USERNAME or settings.XAPI_PASSWORD:
        pair = f"{settings.XAPI_USERNAME}:{settings.XAPI_PASSWORD}".encode()
        headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked: xapi.E001)
        url, data=json.dumps(document).encode(), method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.XAPI_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as error:
        return error.code, error.read(MAX_ANSWER_BYTES)
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error
        raise LRSError(f"The LRS at {settings.XAPI_ENDPOINT} did not answer: {reason}") from error


def _statements_url() -> str:
    return f"{settings.XAPI_ENDPOINT.rstrip('/')}/statements"


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return None


def _show(body: bytes) -> str:
    text = body[:300].decode("utf-8", errors="replace").strip()
    return repr(text) if text else "(no body)"


def _printable(error: Exception) -> str:
    """The error as text a database column and a log line can hold: whatever a broken
    server sent (a NUL byte, control characters) escaped, and no longer than a screen."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(error))
    return text[:1000]
