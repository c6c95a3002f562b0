from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "trainer.security"
    label = "security"
    verbose_name = "Security"

    def ready(self):
        from . import signals  # noqa: F401  (connects the login and logout receivers)
