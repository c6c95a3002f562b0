import logging

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)


class CertificatesConfig(AppConfig):
    name = "trainer.certificates"
    label = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from quizzes import signals

        signals.attempt_finished.connect(_attempt_finished, dispatch_uid="certificates.attempt")
        signals.lesson_completed.connect(_lesson_completed, dispatch_uid="certificates.lesson")
        # After quizzes' own receiver, which moves an anonymous learner's record into the
        # account: what they earned before signing up is then the account's.
        user_logged_in.connect(_logged_in, dispatch_uid="certificates.logged_in")
        checks.register(minimum_verdict_check)
        checks.register(signing_key_check, checks.Tags.security, deploy=True)


def _attempt_finished(sender, attempt, **kwargs):
    from lessons.models import QuestionKind

    from .services import certificate_issue_quietly

    if attempt.kind == QuestionKind.TEST:
        certificate_issue_quietly(learner=attempt.learner, lesson=attempt.lesson)


def _lesson_completed(sender, learner, lesson, **kwargs):
    from .services import certificate_issue_quietly

    certificate_issue_quietly(learner=learner, lesson=lesson)


def _logged_in(sender, request, user, **kwargs):
    from .services import certificates_issue_missing

    try:
        certificates_issue_missing(user=user)
    except Exception:
        # Signing in must work even when issuing does not; issue_certificates catches up.
        log.exception("Issuing certificates at sign-in failed.")


def minimum_verdict_check(app_configs=None, **kwargs):
    from quizzes.models import Verdict

    value = settings.CERTIFICATE_MINIMUM_VERDICT
    if value in Verdict.values:
        return []
    return [
        checks.Error(
            f"CERTIFICATE_MINIMUM_VERDICT must be one of {', '.join(Verdict.values)} "
            f"(it is {value!r}).",
            id="certificates.E001",
        )
    ]


def signing_key_check(app_configs=None, **kwargs):
    """Credentials cannot be signed, nor verified, without the key."""
    from .credentials import parse_key

    text = settings.CERTIFICATE_SIGNING_KEY.strip()
    if not text:
        problem = "CERTIFICATE_SIGNING_KEY is not set"
    else:
        try:
            parse_key(text)
        except ImproperlyConfigured as exc:
            problem = str(exc)
        else:
            return []
    return [
        checks.Error(
            problem,
            hint="Set it to an Ed25519 private key (PEM or JWK), e.g. from "
            "`openssl genpkey -algorithm ed25519`.",
            id="certificates.E002",
        )
    ]
