"""The daily reminder command: who is reminded, of what, and never twice a day."""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import AssignmentFactory, MembershipFactory, UserFactory, full_lesson
from trainer.teams.models import ReminderLog
from trainer.teams.reminders import reminders_send

from .conftest import complete, progress_for

pytestmark = pytest.mark.django_db
TUESDAY = date(2026, 12, 1)
MONDAY = date(2026, 12, 7)


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due_soon(team, lesson, manager):
    return AssignmentFactory(team=team, lesson=lesson, due_date=TUESDAY + timedelta(days=3))


def test_send_reminders_emails_a_learner_whose_assignment_is_due_within_three_days(
    mailoutbox, member, due_soon
):
    output = run("--date", "2026-12-01")
    assert "sent 1 reminder(s) and 0 weekly summary(ies)" in output
    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert mail.subject == "Training due soon: 1 lesson"
    assert "Least privilege" in mail.body
    assert "Due on Friday 4 December 2026." in mail.body
    assert due_soon.lesson.get_absolute_url() in mail.body
    assert ReminderLog.objects.get().kind == "due-soon"


def test_send_reminders_twice_on_one_day_sends_nothing_twice(mailoutbox, member, due_soon):
    run("--date", "2026-12-01")
    output = run("--date", "2026-12-01")
    assert "sent 0 reminder(s)" in output
    assert len(mailoutbox) == 1
    run("--date", "2026-12-02")
    assert len(mailoutbox) == 2


def test_send_reminders_skips_assignments_due_later_or_complete(
    mailoutbox, team, member, lesson, due_soon
):
    later = full_lesson(steps=1, practice=0, title="Later lesson")
    AssignmentFactory(team=team, lesson=later, due_date=TUESDAY + timedelta(days=4))
    complete(member, lesson)
    run("--date", "2026-12-01")
    assert mailoutbox == []


def test_send_reminders_tells_of_overdue_assignments(mailoutbox, team, member, lesson):
    AssignmentFactory(team=team, lesson=lesson, due_date=TUESDAY - timedelta(days=10))
    progress_for(member, lesson, percent=60)
    run("--date", "2026-12-01")
    [mail] = mailoutbox
    assert mail.subject == "Overdue training: 1 lesson"
    assert "Overdue: it was due on Saturday 21 November 2026. You are at 60%." in mail.body
    assert ReminderLog.objects.get().kind == "overdue"


def test_send_reminders_puts_every_due_lesson_in_one_email(mailoutbox, team, member, due_soon):
    second = full_lesson(steps=1, practice=0, title="Second lesson")
    AssignmentFactory(team=team, lesson=second, due_date=TUESDAY)
    run("--date", "2026-12-01")
    [mail] = mailoutbox
    assert "Least privilege" in mail.body
    assert "Second lesson" in mail.body
    assert ReminderLog.objects.count() == 2


def test_send_reminders_skips_managers_inactive_users_and_users_without_email(
    mailoutbox, team, due_soon
):
    MembershipFactory(team=team, user=UserFactory(email=""))
    MembershipFactory(team=team, user=UserFactory(is_active=False))
    run("--date", "2026-12-01")
    assert mailoutbox == []


def test_send_reminders_sends_managers_a_weekly_summary_on_mondays(
    mailoutbox, team, manager, member, due_soon
):
    run("--date", "2026-12-01")
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    mailoutbox.clear()
    output = run("--date", MONDAY.isoformat())
    assert "1 weekly summary(ies)" in output
    summary = next(m for m in mailoutbox if m.to == ["boss@example.com"])
    assert summary.subject == "Weekly training summary: Platform security"
    assert "Platform security (1 member)" in summary.body
    assert "0 complete, 0 in progress, 0 not started, 1 overdue" in summary.body
    assert team.get_absolute_url() in summary.body
    mailoutbox.clear()
    run("--date", MONDAY.isoformat())
    assert mailoutbox == []


def test_send_reminders_weekly_flag_sends_the_summary_on_any_day(
    mailoutbox, manager, member, due_soon
):
    run("--date", "2026-12-01", "--weekly")
    assert {m.to[0] for m in mailoutbox} == {"alice@example.com", "boss@example.com"}
    assert ReminderLog.objects.filter(kind="weekly-summary", assignment=None).count() == 1


def test_send_reminders_uses_the_base_url_for_links(mailoutbox, member, due_soon):
    run("--date", "2026-12-01", "--base-url", "https://training.example.com/")
    expected = f"https://training.example.com{due_soon.lesson.get_absolute_url()}"
    assert expected in mailoutbox[0].body


@pytest.mark.parametrize("weekly", [False, True])
def test_send_reminders_links_are_absolute_from_site_url(
    mailoutbox, settings, manager, member, due_soon, weekly
):
    """Every link in a reminder or a weekly summary starts with SITE_URL, with no option."""
    settings.SITE_URL = "https://training.example.com"
    run("--date", "2026-12-01", *(["--weekly"] if weekly else []))
    assert mailoutbox
    for mail in mailoutbox:
        links = re.findall(r"\S*/\S*", mail.body)
        assert links, mail.body
        assert all(link.startswith("https://training.example.com/") for link in links), links
    bodies = "\n".join(m.body for m in mailoutbox)
    assert f"https://training.example.com{due_soon.lesson.get_absolute_url()}" in bodies
    assert "https://training.example.com/me/" in bodies
    if weekly:
        assert f"https://training.example.com{due_soon.team.get_absolute_url()}" in bodies


def test_send_reminders_refuses_to_send_relative_links_without_site_url(
    mailoutbox, settings, member, due_soon
):
    """Without SITE_URL or --base-url the command stops before sending anything."""
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="SITE_URL"):
        run("--date", "2026-12-01")
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()


def test_send_reminders_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "01/12/2026")


def test_reminders_send_withdraws_the_claim_when_sending_fails(
    member, due_soon, monkeypatch, mailoutbox
):
    def broken(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    outcome = reminders_send(today=TUESDAY)
    assert outcome.reminders == 0
    assert outcome.failures == ["alice: mail server down"]
    assert not ReminderLog.objects.exists()
    monkeypatch.undo()
    assert reminders_send(today=TUESDAY).reminders == 1
    assert len(mailoutbox) == 1


def test_send_reminders_command_fails_loudly_when_mail_fails(member, due_soon, monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send",
        lambda self, *a, **k: (_ for _ in ()).throw(OSError("down")),
    )
    with pytest.raises(CommandError, match="alice: down"):
        run("--date", "2026-12-01")
