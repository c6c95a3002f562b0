from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Commits, attempts and scores"

    def ready(self):
        from django.urls import register_converter

        from . import learners  # noqa: F401 - connects the log-in signal
        from .converters import IdConverter

        # Before any URLconf is loaded: every app's routes may use <id:...>.
        register_converter(IdConverter, "id")
