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
        checks.register(import_limit_check)


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


# Room in a request for the import form's other fields and the multipart boundaries.
FORM_OVERHEAD = 16 * 1024


def import_limit_check(app_configs=None, **kwargs):
    """A CSV within TEAM_IMPORT_MAX_BYTES must fit in a request: otherwise the body limit
    refuses it first, and the manager never reads the import's own message."""
    limit = settings.MAX_REQUEST_BYTES
    if limit is None or limit >= settings.TEAM_IMPORT_MAX_BYTES + FORM_OVERHEAD:
        return []
    return [
        checks.Error(
            f"TEAM_IMPORT_MAX_BYTES ({settings.TEAM_IMPORT_MAX_BYTES}) must be at least "
            f"{FORM_OVERHEAD} bytes below MAX_REQUEST_BYTES ({limit}).",
            hint="Lower TEAM_IMPORT_MAX_BYTES or raise MAX_REQUEST_BYTES.",
            id="teams.E002",
        )
    ]
