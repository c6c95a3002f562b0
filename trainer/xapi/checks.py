"""Configuration mistakes that would make every statement fail, reported at start-up."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

ACTORS = ("id", "username")


@register()
def xapi_settings(app_configs, **kwargs):
    if not settings.XAPI_ENDPOINT:
        return []
    errors = []
    if urlsplit(settings.XAPI_ENDPOINT).scheme not in ("http", "https"):
        errors.append(Error("XAPI_ENDPOINT must be an http:// or https:// URL.", id="xapi.E001"))
    if not settings.SITE_URL:
        errors.append(
            Error("SITE_URL must be set: every xAPI actor and IRI starts with it.", id="xapi.E002")
        )
    if settings.XAPI_ACTOR not in ACTORS:
        errors.append(Error(f"XAPI_ACTOR must be one of {', '.join(ACTORS)}.", id="xapi.E003"))
    return errors


@register(Tags.security, deploy=True)
def xapi_endpoint_encrypted(app_configs, **kwargs):
    """The LRS's credentials and every learner's records must not cross a network in clear."""
    parts = urlsplit(settings.XAPI_ENDPOINT)
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return [
            Warning(
                "XAPI_ENDPOINT is plain http: the LRS's credentials and the learning records "
                "travel unencrypted. Use https://.",
                id="xapi.W001",
            )
        ]
    return []
