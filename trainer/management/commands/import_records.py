import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trainer.backup import RestoreError, records_restore


class Command(BaseCommand):
    help = (
        "Restore a document written by export_records. Refuses to write over existing "
        "records unless --replace; any error leaves the database unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file, or - for standard input")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the learner records already here before restoring",
        )

    def handle(self, *args, path, replace=False, **options):
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            counts = records_restore(text, replace=replace)
        except RestoreError as error:
            raise CommandError(str(error)) from error
        total = sum(counts.values())
        self.stdout.write(
            f"Restored {total} rows: "
            + ", ".join(f"{label} {count}" for label, count in counts.items() if count)
        )
