"""Two reminder runs at once still send each reminder once (real parallel transactions)."""

from datetime import date, timedelta

import pytest

from tests.factories import AssignmentFactory
from tests.helpers import run_in_parallel
from trainer.teams.models import ReminderLog
from trainer.teams.reminders import reminders_send

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4
TUESDAY = date(2026, 12, 1)


def test_reminders_send_in_parallel_sends_each_reminder_once(
    mailoutbox, team, manager, member, lesson
):
    AssignmentFactory(team=team, lesson=lesson, due_date=TUESDAY + timedelta(days=1))
    outcomes = run_in_parallel(lambda: reminders_send(today=TUESDAY, weekly=True), THREADS)
    assert sum(o.reminders for o in outcomes) == 1
    assert sum(o.summaries for o in outcomes) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.com", "boss@example.com"]
    assert ReminderLog.objects.count() == 2
