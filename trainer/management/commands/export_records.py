from pathlib import Path

from django.core.management.base import BaseCommand

from trainer.backup import records_export


class Command(BaseCommand):
    help = (
        "Write every learner record (accounts, learners, commits, attempts, hints, progress, "
        "teams, audit trail), second-factor devices, login lockouts, the admin log and lesson "
        "edit history as one JSON document, to a file or standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="a file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        text = records_export()
        if output:
            # The backup holds password hashes and authenticator keys: readable by its owner only.
            path = Path(output)
            path.touch(mode=0o600, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {len(text.encode())} bytes to {path}")
        else:
            self.stdout.write(text, ending="")
