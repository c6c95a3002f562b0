"""Session lifetime for signed-in users: when it started, when it was last used, and
the index of a user's sessions that lets one of them end the others."""

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from .models import UserSession

LOGIN_AT = "security:login_at"
SEEN_AT = "security:seen_at"
RECORDED_KEY = "security:session_key"
MFA_PENDING = "security:mfa_pending"
# Set when the identity provider asserted a second factor this site trusts (OIDC_TRUST_AMR).
PROVIDER_SECOND_FACTOR = "security:provider_second_factor"


def session_start(*, request, user, now: float | None = None) -> None:
    """Stamp a fresh login on the session and index the session under its user."""
    now = time.time() if now is None else now
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    session_record(request=request, user=user)
    UserSession.objects.filter(
        user=user,
        created_at__lt=timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT),
    ).delete()


def session_record(*, request, user) -> None:
    """Index the session's current key (it changes at login and at a password change)."""
    key = request.session.session_key
    if not key:
        return
    previous = request.session.get(RECORDED_KEY)
    if previous and previous != key:
        UserSession.objects.filter(session_key=previous).delete()
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user})
    request.session[RECORDED_KEY] = key


def session_expiry(session, *, now: float | None = None) -> str:
    """Why a signed-in session has ended ("idle" or "absolute"), or "" if it has not.

    Marks the session as used now, at most once a minute so a busy user does not cost
    a session write per request.
    """
    now = time.time() if now is None else now
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        # A session from before these rules: its clock starts now.
        session[LOGIN_AT] = login_at or now
        session[SEEN_AT] = now
        return ""
    if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    if now - seen_at >= min(60, settings.SESSION_IDLE_TIMEOUT / 10):
        session[SEEN_AT] = now
    return ""


def sessions_end(*, user, keep: str | None = None) -> int:
    """End every session of ``user`` except the one keyed ``keep``; return how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    records = UserSession.objects.filter(user=user)
    if keep:
        records = records.exclude(session_key=keep)
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
