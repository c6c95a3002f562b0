from argparse import ArgumentTypeError
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trainer.teams.reminders import reminders_send


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(f"wants YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "E-mail learners whose assignments are due within three days or overdue, and on "
        "Mondays (or with --weekly) send managers a summary of their teams. Run it daily: "
        "a second run on the same day sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, help="Act as if today were YYYY-MM-DD.")
        parser.add_argument(
            "--weekly", action="store_true", help="Send the managers' summary whatever the day."
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help="Site address for links in the e-mails (default: the SITE_URL setting).",
        )

    def handle(self, *args, date=None, weekly=False, base_url=None, **options):
        today = date or timezone.localdate()
        if base_url is None:
            base_url = settings.SITE_URL
        if not base_url:
            # A relative link in an e-mail leads nowhere.
            raise CommandError("Set SITE_URL (or give --base-url): e-mails need absolute links.")
        outcome = reminders_send(today=today, weekly=weekly or None, base_url=base_url)
        self.stdout.write(
            f"{today:%Y-%m-%d}: sent {outcome.reminders} reminder(s) "
            f"and {outcome.summaries} weekly summary(ies)."
        )
        if outcome.failures:
            raise CommandError("Some e-mails failed: " + "; ".join(outcome.failures))
