"""Login throttling on top of django-axes: per (username, address), and per account.

django-axes locks a (username, address) pair after ``AXES_FAILURE_LIMIT`` failures.
That alone lets someone who is locked out carry on from another address, so failures
for one username are also added up across every address: at
``LOGIN_ACCOUNT_FAILURE_LIMIT`` within the cool-off window the username is refused from
everywhere, with the same page as any lockout, until the window has passed. Unknown
usernames are counted exactly like known ones, so neither lockout tells an attacker
which accounts exist; the account's owner (if there is one, with an e-mail address)
gets one notice per lockout.
"""

import logging

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from .models import AccountLockout

logger = logging.getLogger(__name__)


def account_failures(username: str, *, since) -> int:
    """Failed logins for ``username`` from every address since ``since``."""
    total = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def account_locked(username: str | None, *, since) -> bool:
    if not username:
        return False
    return account_failures(username, since=since) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT


def lockout_begin(*, username: str, failures: int, since) -> bool:
    """Record that ``username`` is locked now; True only for the first call per lockout.

    A lockout recorded at or after ``since`` (the start of the cool-off window) is the
    same lockout; the conditional update makes concurrent failures agree on one winner.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            _, created = AccountLockout.objects.get_or_create(
                username=username, defaults={"locked_at": now, "failures": failures}
            )
    except IntegrityError:
        created = False
    if created:
        return True
    return bool(
        AccountLockout.objects.filter(username=username, locked_at__lt=since).update(
            locked_at=now, failures=failures
        )
    )


def lockout_notify(*, username: str, failures: int) -> bool:
    """E-mail the account's owner that sign-in is paused; False if there is no one to tell."""
    model = get_user_model()
    user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
    if user is None or not user.email or not user.is_active:
        return False
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"user": user, "failures": failures, "minutes": minutes}
    message = EmailMessage(
        subject="Sign-in to your Pattern Trainer account is paused",
        body=render_to_string("security/lockout_notice.txt", context),
        to=[user.email],
    )
    try:
        message.send()
    except OSError:
        # The lockout itself holds; a mail server outage must not turn it into an error.
        logger.exception("Could not send the lockout notice for user %s", user.pk)
        return False
    return True


class AccountLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the per-account limit across addresses."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        username = get_client_username(request, credentials)
        return account_locked(username, since=get_cool_off_threshold(request))

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_failures_since_start", None) is None:
            # Refused by a lockout already in force: axes recorded no failure, nor do we.
            return
        username = get_client_username(request, credentials)
        if not username:
            return
        since = get_cool_off_threshold(request)
        failures = account_failures(username, since=since)
        if failures < settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
            return
        # This failure is the one that locks the account: answer it with the lockout page.
        request.axes_locked_out = True
        request.axes_credentials = credentials
        if lockout_begin(username=username, failures=failures, since=since):
            logger.warning("Login for username %r locked after %d failures", username, failures)
            lockout_notify(username=username, failures=failures)
