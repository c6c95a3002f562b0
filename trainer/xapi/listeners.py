"""Queue a statement for each record, inside the transaction that writes the record.

Connected only while ``XAPI_ENDPOINT`` is set, so a site without an LRS pays nothing. Each
listener writes one row (one INSERT) under the learner's lock; the learner's request
fails rather than record something the LRS would never hear of. Anonymous visitors are
nobody the company knows: their records are not sent (docs/xapi.md).
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from quizzes import signals

from . import statements
from .services import statement_enqueue


def actor_for(learner) -> dict | None:
    """The learner as the LRS knows them (``XAPI_ACTOR``), or None for a visitor."""
    if learner.user_id is None:
        return None
    by_username = settings.XAPI_ACTOR == "username"
    name = learner.user.get_username() if by_username else learner.user_id
    return statements.actor(site_url=settings.SITE_URL, name=name)


def on_commit_recorded(sender, *, commit, **kwargs):
    if actor := actor_for(commit.learner):
        statement_enqueue(
            statements.answered(
                site_url=settings.SITE_URL, actor=actor, commit=commit, lesson=commit.lesson
            )
        )


def on_attempt_finished(sender, *, attempt, **kwargs):
    if actor := actor_for(attempt.learner):
        statement_enqueue(
            statements.attempt_result(
                site_url=settings.SITE_URL, actor=actor, attempt=attempt, lesson=attempt.lesson
            )
        )


def on_lesson_completed(sender, *, learner, lesson, **kwargs):
    if actor := actor_for(learner):
        statement_enqueue(
            statements.lesson_completion(
                site_url=settings.SITE_URL, actor=actor, lesson=lesson, completed_at=timezone.now()
            )
        )


LISTENERS = (
    (signals.commit_recorded, on_commit_recorded),
    (signals.attempt_finished, on_attempt_finished),
    (signals.lesson_completed, on_lesson_completed),
)


def sync() -> None:
    """Listen while an LRS is configured, and only then."""
    for signal, listener in LISTENERS:
        uid = f"xapi.{listener.__name__}"
        if settings.XAPI_ENDPOINT:
            signal.in_transaction.connect(listener, dispatch_uid=uid)
        else:
            signal.in_transaction.disconnect(dispatch_uid=uid)


@receiver(setting_changed, dispatch_uid="xapi.setting_changed")
def _on_setting_changed(sender, setting, **kwargs):
    if setting == "XAPI_ENDPOINT":
        sync()
