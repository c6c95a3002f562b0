from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class TeamsConfig(AppConfig):
    name = "trainer.teams"
    label = "teams"
    verbose_name = "Teams and assignments"

    def ready(self):
        checks.register(site_url_check, checks.Tags.security, deploy=True)


def site_url_check(app_configs=None, **kwargs):
    """Reminder and invitation e-mails need an absolute address to link to."""
    site_url = getattr(settings, "SITE_URL", "")
    parts = urlsplit(site_url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return []
    return [
        checks.Error(
            f"SITE_URL must be the site's public address, e.g. https://training.example.com "
            f"(it is {site_url!r}).",
            hint="Set the SITE_URL environment variable: e-mails link to it.",
            id="teams.E001",
        )
    ]
