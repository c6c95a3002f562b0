from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lessons.format_load import load_files
from lessons.formats import LessonFormatError

SHIPPED = Path(__file__).resolve().parents[2] / "data"


class Command(BaseCommand):
    help = (
        "Load lesson files (YAML, see docs/lesson-format.md). Every file is validated "
        "first; if any has an error nothing is loaded. Loading again updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            help="Lesson files or folders of them (default: the shipped lessons).",
        )

    def handle(self, *args, paths, **options):
        files = []
        for path in paths or [SHIPPED]:
            files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
        if not files:
            raise CommandError("No lesson files found.")
        try:
            lessons = load_files(files)
        except LessonFormatError as exc:
            raise CommandError("Nothing was loaded:\n" + "\n".join(exc.errors)) from None
        for lesson in lessons:
            self.stdout.write(f"Loaded {lesson.slug}: {lesson.full_title}")
