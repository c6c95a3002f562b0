from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "trainer.xapi"
    label = "xapi"
    verbose_name = "Learning records (xAPI)"

    def ready(self):
        from . import checks, listeners  # noqa: F401

        listeners.sync()
