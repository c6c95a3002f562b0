from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = "Lesson content"

    def ready(self):
        from . import cache, history

        # Any edit of a lesson or its parts moves its cached content's version forward.
        cache.connect()
        # A save that changes nothing adds no version to the lesson's history.
        history.connect()
