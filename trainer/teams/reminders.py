"""Reminder e-mails: learners with assignments due soon or overdue, managers' weekly summary.

Each reminder is claimed in ``ReminderLog`` (unique per person, assignment, kind and day)
before its e-mail goes out, so a second run on the same day, or two runs at once, send
nothing twice. If sending fails the claim is withdrawn and the next run tries again.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from . import reports, rules
from .models import Assignment, Membership, ReminderKind, ReminderLog, Team
from .rules import State

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    reminders: int = 0
    summaries: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass
class Item:
    team: Team
    cell: reports.Cell
    kind: str


def reminders_send(
    *, today: date, weekly: bool | None = None, base_url: str | None = None
) -> Outcome:
    """Send today's reminders; the weekly summaries too on Mondays (or when ``weekly``).

    Links start with ``base_url``, by default the ``SITE_URL`` setting.
    """
    if base_url is None:
        base_url = settings.SITE_URL
    base_url = base_url.rstrip("/")
    if weekly is None:
        weekly = today.weekday() == 0
    outcome = Outcome()
    sent_today = set(
        ReminderLog.objects.filter(sent_on=today).values_list("user_id", "assignment_id", "kind")
    )
    _learner_reminders(today=today, base_url=base_url, sent_today=sent_today, outcome=outcome)
    if weekly:
        _manager_summaries(today=today, base_url=base_url, sent_today=sent_today, outcome=outcome)
    return outcome


def _learner_reminders(*, today, base_url, sent_today, outcome) -> None:
    due = Assignment.objects.filter(
        due_date__lte=today + timedelta(days=rules.DUE_SOON_DAYS), lesson__published=True
    ).select_related("lesson", "team")
    by_team = defaultdict(list)
    for assignment in due:
        by_team[assignment.team].append(assignment)
    pending = defaultdict(list)
    users = {}
    for team, assignments in by_team.items():
        report = reports.team_report(team, today=today, assignments=assignments)
        for row in report.rows:
            if not (row.user.is_active and row.user.email):
                continue
            for cell in row.cells:
                due_date = cell.assignment.due_date
                if not rules.reminder_due(cell.state, due_date=due_date, today=today):
                    continue
                kind = (
                    ReminderKind.OVERDUE if cell.state == State.OVERDUE else ReminderKind.DUE_SOON
                )
                if (row.user.pk, cell.assignment.pk, kind) in sent_today:
                    continue
                users[row.user.pk] = row.user
                pending[row.user.pk].append(Item(team=team, cell=cell, kind=kind))
    for user_id, items in pending.items():
        user = users[user_id]
        claimed = _claim(user, [(item.cell.assignment, item.kind) for item in items], today)
        items = [i for i in items if (i.cell.assignment.pk, i.kind) in claimed]
        if not items:
            continue
        overdue = sum(1 for i in items if i.kind == ReminderKind.OVERDUE)
        subject = (
            f"Overdue training: {len(items)} lesson{'s' if len(items) > 1 else ''}"
            if overdue
            else f"Training due soon: {len(items)} lesson{'s' if len(items) > 1 else ''}"
        )
        context = {"user": user, "items": items, "today": today, "base_url": base_url}
        body = render_to_string("teams/email/reminder.txt", context)
        if _send(user, subject, body, claimed.values(), outcome):
            outcome.reminders += 1


def _manager_summaries(*, today, base_url, sent_today, outcome) -> None:
    managed = defaultdict(list)
    for membership in (
        Membership.objects.managers()
        .filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "team")
        .order_by("team__name")
    ):
        if (membership.user_id, None, ReminderKind.WEEKLY_SUMMARY) not in sent_today:
            managed[membership.user].append(membership.team)
    team_reports = {}
    for user, teams in managed.items():
        for team in teams:
            if team.pk not in team_reports:
                team_reports[team.pk] = reports.team_report(team, today=today)
        summaries = [team_reports[t.pk] for t in teams if team_reports[t.pk].assignments]
        if not summaries:
            continue
        claimed = _claim(user, [(None, ReminderKind.WEEKLY_SUMMARY)], today)
        if not claimed:
            continue
        context = {"user": user, "reports": summaries, "today": today, "base_url": base_url}
        body = render_to_string("teams/email/weekly_summary.txt", context)
        subject = f"Weekly training summary: {', '.join(r.team.name for r in summaries)}"
        if _send(user, subject[:150], body, claimed.values(), outcome):
            outcome.summaries += 1


def _claim(user, wanted, today) -> dict:
    """Record the reminders as sent today; ``{(assignment_id, kind): log}`` for those new."""
    claimed = {}
    with transaction.atomic():
        for assignment, kind in wanted:
            log, created = ReminderLog.objects.get_or_create(
                user=user, assignment=assignment, kind=kind, sent_on=today
            )
            if created:
                claimed[(assignment.pk if assignment else None, kind)] = log
    return claimed


def _send(user, subject, body, logs, outcome) -> bool:
    message = EmailMessage(subject=subject, body=body, to=[user.email])
    try:
        message.send()
    except Exception as error:  # any transport failure: withdraw the claim, go on
        ReminderLog.objects.filter(pk__in=[log.pk for log in logs]).delete()
        logger.warning("Reminder to %s failed: %s", user.get_username(), error)
        outcome.failures.append(f"{user.get_username()}: {error}")
        return False
    return True
