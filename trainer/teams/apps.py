from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "trainer.teams"
    label = "teams"
    verbose_name = "Teams and assignments"
