"""Who is learning: the signed-in user's learner, or an anonymous one kept in the session."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .models import Learner
from .services import learner_merge

SESSION_KEY = "learner_id"


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
            learner = Learner.objects.filter(pk=learner_id, user=None).first()
        if learner is None and create:
            learner = Learner.objects.create()
            request.session[SESSION_KEY] = learner.pk
    request._learner = learner
    return learner


@receiver(user_logged_in, dispatch_uid="quizzes.carry_anonymous_progress")
def carry_anonymous_progress(sender, request, user, **kwargs):
    """On sign-up or log-in, what the visitor did anonymously becomes the account's."""
    if request is None:
        return
    learner_id = request.session.pop(SESSION_KEY, None)
    request.__dict__.pop("_learner", None)
    anonymous = Learner.objects.filter(pk=learner_id, user=None).first() if learner_id else None
    if anonymous is None:
        return
    account = Learner.objects.filter(user=user).first()
    if account is None:
        anonymous.user = user
        anonymous.save(update_fields=["user"])
    else:
        learner_merge(source=anonymous, target=account)
