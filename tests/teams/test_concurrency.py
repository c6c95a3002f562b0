"""Two reminder runs, or two applies of one import, at once still send each e-mail once
(real parallel transactions)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import AssignmentFactory
from tests.helpers import run_in_parallel
from trainer.teams.models import Invitation, ReminderLog
from trainer.teams.reminders import reminders_send
from trainer.teams.roster_import import invitation_import

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


def test_invitation_import_in_parallel_invites_each_address_once(mailoutbox, team, manager):
    """The same preview applied from four requests at once: one invitation and one e-mail
    per address, whichever request got there first."""
    rows = [(f"p{n}@example.com", "member") for n in range(5)]
    previewed_at = timezone.now()
    outcomes = run_in_parallel(
        lambda: invitation_import(
            team=team, rows=rows, previewed_at=previewed_at, invited_by=manager
        ),
        THREADS,
    )
    assert sorted(o.invited for o in outcomes) == [0, 0, 0, 5]
    assert Invitation.objects.count() == 5
    assert sorted(m.to[0] for m in mailoutbox) == [email for email, _ in rows]
