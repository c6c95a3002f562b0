from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trainer.xapi.services import statements_send


class Command(BaseCommand):
    help = (
        "Send queued learning records (xAPI statements) to the LRS at XAPI_ENDPOINT, batch "
        "after batch; run it every minute. What fails stays queued and is tried again later."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, help="statements per request")
        parser.add_argument("--max-batches", type=int, help="stop after this many batches")

    def handle(self, *args, batch_size=None, max_batches=None, **options):
        if not settings.XAPI_ENDPOINT:
            raise CommandError("XAPI_ENDPOINT is not set: learning records are off.")
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        report = statements_send(batch_size=batch_size, max_batches=max_batches)
        self.stdout.write(f"Sent {report.sent} statement(s).")
        if report.kept:
            raise CommandError(
                f"{report.kept} statement(s) kept for a later try "
                f"(next at {report.next_try_at:%Y-%m-%d %H:%M:%S} UTC): " + "; ".join(report.errors)
            )
