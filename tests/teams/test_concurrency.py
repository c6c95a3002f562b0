"""Two reminder runs at once still send each reminder once (real parallel transactions)."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from tests.factories import AssignmentFactory
from trainer.teams.models import ReminderLog
from trainer.teams.reminders import reminders_send

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4
TUESDAY = date(2026, 12, 1)


def test_reminders_send_in_parallel_sends_each_reminder_once(
    mailoutbox, team, manager, member, lesson
):
    AssignmentFactory(team=team, lesson=lesson, due_date=TUESDAY + timedelta(days=1))
    barrier = threading.Barrier(THREADS)
    outcomes, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            outcomes.append(reminders_send(today=TUESDAY, weekly=True))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sum(o.reminders for o in outcomes) == 1
    assert sum(o.summaries for o in outcomes) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.com", "boss@example.com"]
    assert ReminderLog.objects.count() == 2
