from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Commits, attempts and scores"

    def ready(self):
        from . import learners  # noqa: F401 - connects the log-in signal
