"""The company's identity provider as this site sees it: its discovery document, and
the one error every step of a sign-in through it raises."""

import time

import requests
from django.conf import settings

# How long the discovery document is kept before it is fetched again; keys rotate
# through the JWKS URI, which is read at every sign-in.
METADATA_SECONDS = 3600
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
UNREACHABLE = (
    "Your organisation's sign-in service could not be reached, or it answered in a way "
    "this site does not understand. Nothing was changed; try again in a few minutes."
)

_cache: dict[str, tuple[float, dict]] = {}


class SignInFailed(Exception):
    """A sign-in through the provider that cannot go on; ``message`` is for the person."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def metadata() -> dict:
    """The provider's discovery document, checked to be for the configured issuer."""
    issuer = settings.OIDC_ISSUER
    cached = _cache.get(issuer)
    if cached and time.monotonic() - cached[0] < METADATA_SECONDS:
        return cached[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SignInFailed(UNREACHABLE, 502) from exc
    if (
        not isinstance(document, dict)
        or any(not isinstance(document.get(key), str) for key in REQUIRED)
        or document["issuer"].rstrip("/") != issuer
    ):
        raise SignInFailed(UNREACHABLE, 502)
    _cache[issuer] = (time.monotonic(), document)
    return document


def forget() -> None:
    """Drop the cached discovery documents (a test's provider moved, keys were rotated)."""
    _cache.clear()
