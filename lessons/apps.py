from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = "Lesson content"

    def ready(self):
        from . import cache

        # Any edit of a lesson or its parts moves its cached content's version forward.
        cache.connect()
