"""Who may set up a first second factor with the password alone, and the one-time links
that let staff do it.

The rule: a learner (neither ``is_staff`` nor ``is_superuser``) opts in with their
password, as before. A member of staff without a device needs a one-time link, either
e-mailed to the account's address at their request (good in the asking session only)
or made by an administrator with ``manage.py enrolment_link``. Otherwise whoever first
held a new staff password could bind their own authenticator to the account. Once a
device exists, replacing it takes a current code (turning it off), whoever asks.
"""

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import mfa
from .models import EnrolmentGrant

TOKEN_MAX_LENGTH = 64


def link_required(user) -> bool:
    """Staff need a link for a first device; learners and users with one do not."""
    return bool((user.is_staff or user.is_superuser) and not mfa.second_factor_enabled(user))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _session_hash(session_key: str) -> str:
    return salted_hmac("security.enrolment.session", session_key, algorithm="sha256").hexdigest()


def grant_create(*, user, session_key: str = "", created_by=None, minutes: int | None = None):
    """A new link for ``user``; earlier unused ones stop working. Returns the token."""
    minutes = settings.STAFF_ENROLMENT_LINK_MINUTES if minutes is None else minutes
    token = secrets.token_urlsafe(32)
    EnrolmentGrant.objects.filter(user=user, used_at__isnull=True).delete()
    EnrolmentGrant.objects.create(
        user=user,
        token_hash=_token_hash(token),
        session_hash=_session_hash(session_key) if session_key else "",
        created_by=created_by,
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )
    return token


def grant_find(*, token: str, user, session_key: str | None) -> EnrolmentGrant | None:
    """The unused, unexpired grant behind ``token`` if it is ``user``'s and, when it was
    asked for from a session, this is that session; else None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    grant = (
        EnrolmentGrant.objects.usable(now=timezone.now())
        .filter(token_hash=_token_hash(token), user=user)
        .first()
    )
    if grant is None:
        return None
    if grant.session_hash and not (
        session_key and secrets.compare_digest(grant.session_hash, _session_hash(session_key))
    ):
        return None
    return grant


def link_path(token: str, next_url: str = "") -> str:
    url = reverse("security:enrol-link", args=[token])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def link_send(*, request, user, next_url: str = "") -> bool:
    """E-mail ``user`` a link good in this session only; False if they have no address."""
    if not user.email:
        return False
    token = grant_create(user=user, session_key=request.session.session_key or "")
    context = {
        "user": user,
        "url": request.build_absolute_uri(link_path(token, next_url)),
        "minutes": settings.STAFF_ENROLMENT_LINK_MINUTES,
    }
    EmailMessage(
        subject="Set up two-factor authentication for Pattern Trainer",
        body=render_to_string("security/enrolment_link_email.txt", context),
        to=[user.email],
    ).send()
    return True
