"""Issuing and revoking certificates: keyword-only, atomic, safe to call twice."""

import logging
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from lessons.models import Lesson, QuestionKind
from quizzes.models import Attempt, Learner, LessonProgress
from quizzes.scoring import VERDICT_RANK

from . import credentials, rules
from .models import Certificate

log = logging.getLogger(__name__)


def recipient_name(user) -> str:
    return user.get_full_name().strip() or user.get_username()


def certificate_issue(*, learner: Learner, lesson: Lesson) -> Certificate | None:
    """Issue the learner's certificate for the lesson if they earned it (``rules``).

    Returns the certificate (the one already issued, when there is one), or None while
    it is not earned. Parallel calls issue one: the database allows one per learner and
    lesson, and a call that loses the race returns the winner's.
    """
    if learner.user_id is None:
        return None
    existing = Certificate.objects.filter(user_id=learner.user_id, lesson=lesson).first()
    if existing is not None:
        return existing
    progress = LessonProgress.objects.filter(learner=learner, lesson=lesson).first()
    if progress is None or progress.completed_at is None:
        return None
    tests = [
        rules.FinishedTest(
            verdict=attempt.verdict,
            finished_at=attempt.finished_at,
            answered=attempt.answered,
            asked=len(attempt.question_ids),
        )
        for attempt in Attempt.objects.filter(
            learner=learner, lesson=lesson, kind=QuestionKind.TEST, finished_at__isnull=False
        ).annotate(answered=Count("commits"))
    ]
    earned = rules.earned(
        has_account=True,
        completed_at=progress.completed_at,
        tests=tests,
        minimum=settings.CERTIFICATE_MINIMUM_VERDICT,
    )
    if earned is None:
        return None
    user = learner.user
    try:
        with transaction.atomic():
            return Certificate.objects.create(
                user=user,
                lesson=lesson,
                recipient_name=recipient_name(user),
                lesson_title=lesson.full_title,
                verdict=earned.verdict,
                earned_at=earned.earned_at,
            )
    except IntegrityError:
        return Certificate.objects.get(user=user, lesson=lesson)


def certificates_issue_missing(*, user=None) -> list[Certificate]:
    """Issue every certificate earned but not yet issued (of one account, or of all).

    For learners who qualified before certificates existed, or while issuing failed.
    Only lessons that are complete with a good enough best verdict are looked at.
    """
    minimum_rank = VERDICT_RANK[settings.CERTIFICATE_MINIMUM_VERDICT]
    good_enough = [v for v, rank in VERDICT_RANK.items() if rank >= minimum_rank]
    candidates = LessonProgress.objects.filter(
        learner__user__isnull=False,
        completed_at__isnull=False,
        test_best_verdict__in=good_enough,
    ).select_related("learner__user", "lesson")
    if user is not None:
        candidates = candidates.filter(learner__user=user)
    issued = Certificate.objects.filter(user_id__in=candidates.values("learner__user_id"))
    have = set(issued.values_list("user_id", "lesson_id"))
    new = []
    for progress in candidates:
        if (progress.learner.user_id, progress.lesson_id) in have:
            continue
        certificate = certificate_issue(learner=progress.learner, lesson=progress.lesson)
        if certificate is not None:
            new.append(certificate)
    return new


def certificate_issue_quietly(**kwargs) -> None:
    """Issue from a signal receiver, after the learner's answer is already saved.

    A failure here must not turn the learner's saved answer into an error page; it is
    logged, and ``manage.py issue_certificates`` issues what was missed.
    """
    try:
        certificate_issue(**kwargs)
    except Exception:
        log.exception("Issuing a certificate failed; issue_certificates will retry it.")


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Revoke the certificate; revoking one already revoked keeps the first revocation."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Say why the certificate is revoked.")
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.revocation_reason = reason[:500]
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return locked


def certificate_for_credential(token: str) -> Certificate:
    """The certificate a credential stands for, when this site signed it unchanged.

    Raises ``credentials.CredentialError`` otherwise, including for a credential whose
    certificate is no longer here.
    """
    claims = credentials.verify(token)
    certificate_id = claims.get("id")
    public_id = _public_id(certificate_id) if isinstance(certificate_id, str) else None
    certificate = (
        Certificate.objects.select_related("lesson").filter(public_id=public_id).first()
        if public_id
        else None
    )
    if certificate is None or credentials.absolute(certificate.get_absolute_url()) != (
        certificate_id
    ):
        raise credentials.CredentialError("It names a certificate this site does not hold.")
    return certificate


def _public_id(url: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return None
