"""Who is learning: the signed-in user's learner, or an anonymous one kept in the session."""

import contextlib

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.crypto import salted_hmac
from django_otp import user_has_device

from .models import Learner
from .services import learner_merge, learner_start

SESSION_KEY = "learner_id"
PENDING_KEY = "learner_id_pending_second_factor"


def learner_for(request, *, create: bool = False) -> Learner | None:
    """The request's learner; with ``create``, one is made for a first-time visitor."""
    if hasattr(request, "_learner") and (request._learner or not create):
        return request._learner
    learner = None
    if request.user.is_authenticated:
        learner = Learner.objects.filter(user=request.user).first()
        if learner is None and create:
            learner, _ = Learner.objects.get_or_create(user=request.user)
    else:
        learner_id = request.session.get(SESSION_KEY)
        if learner_id:
            with contextlib.suppress(Learner.DoesNotExist):
                learner = Learner.objects.get(pk=learner_id, user=None)
        if learner is None and create:
            learner = learner_start(browser_key=browser_key(request))
            request.session[SESSION_KEY] = learner.pk
    request._learner = learner
    return learner


def browser_key(request) -> str | None:
    """What the browser's first commits have in common before it has a session: its
    CSRF secret, which the CSRF middleware has read (and, for a POST, checked).

    Stored as a keyed hash, so the database never holds a secret that would pass the
    CSRF check; a login rotates the secret, so the key names the browser only until then.
    """
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return None
    return salted_hmac("quizzes.learners.browser_key", secret, algorithm="sha256").hexdigest()


@receiver(user_logged_in, dispatch_uid="quizzes.carry_anonymous_progress")
def on_login(sender, request, user, **kwargs):
    """On sign-up or log-in, what the visitor did anonymously becomes the account's.

    An account with a second factor takes it only once that factor is verified: a
    password alone must not be enough to write into someone's record.
    """
    if request is None:
        return
    request.__dict__.pop("_learner", None)
    if user_has_device(user, confirmed=True):
        if SESSION_KEY in request.session:
            request.session[PENDING_KEY] = request.session.pop(SESSION_KEY)
        return
    carry_anonymous_progress(request, user)


def carry_anonymous_progress(request, user) -> None:
    """Move the session's anonymous learner (if any) into the account's learner."""
    learner_id = request.session.pop(SESSION_KEY, None) or request.session.pop(PENDING_KEY, None)
    request.__dict__.pop("_learner", None)
    anonymous = Learner.objects.filter(pk=learner_id, user=None).first() if learner_id else None
    if anonymous is None:
        return
    account = Learner.objects.filter(user=user).first()
    if account is None:
        # The account's learner is found by its user from now on, never by the browser.
        anonymous.user = user
        anonymous.browser_key = None
        anonymous.save(update_fields=["user", "browser_key"])
    else:
        learner_merge(source=anonymous, target=account)
