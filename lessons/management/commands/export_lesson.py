from django.core.management.base import BaseCommand, CommandError

from lessons.format_export import export
from lessons.models import Lesson


class Command(BaseCommand):
    help = "Print a lesson in the load_lessons format (YAML) to standard output."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        try:
            lesson = Lesson.objects.get(slug=slug)
        except Lesson.DoesNotExist:
            raise CommandError(f"No lesson with slug {slug!r}.") from None
        self.stdout.write(export(lesson), ending="")
