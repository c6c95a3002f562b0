import pytest
from django.core.management import call_command
from django.urls import reverse

from quizzes.learners import SESSION_KEY
from quizzes.models import Learner
from quizzes.signals import lesson_completed
from tests.factories import PASSWORD, LearnerFactory, UserFactory, full_lesson
from tests.helpers import run_in_parallel
from trainer.audit.models import AuditEvent
from trainer.certificates.models import Certificate
from trainer.certificates.services import (
    certificate_issue,
    certificate_revoke,
    certificates_issue_missing,
)

from .conftest import complete_lesson, take_test

pytestmark = pytest.mark.django_db


def test_certificate_issue_on_finishing_a_strong_test_after_completing_the_lesson(
    qualified, lesson
):
    """Finishing the pattern test with Strong on a complete lesson issues the certificate,
    with the name, the lesson's title and the verdict as they were."""
    certificate = Certificate.objects.get()
    assert certificate.user == qualified.user
    assert certificate.recipient_name == "Ada Lovelace"
    assert certificate.lesson_title == lesson.full_title
    assert certificate.verdict == "strong"
    assert not certificate.is_revoked


def test_certificate_issue_not_for_a_verdict_below_the_minimum(
    learner, lesson, django_capture_on_commit_callbacks
):
    """Almost there is not Strong: no certificate (the default minimum is Strong)."""
    with django_capture_on_commit_callbacks(execute=True):
        complete_lesson(learner, lesson)
        take_test(learner, lesson, right=3)
    assert learner.attempts.get(kind="test").verdict != "strong"
    assert not Certificate.objects.exists()


def test_certificate_issue_follows_the_configured_minimum(
    learner, lesson, settings, django_capture_on_commit_callbacks
):
    """With CERTIFICATE_MINIMUM_VERDICT=almost, Almost there earns one."""
    settings.CERTIFICATE_MINIMUM_VERDICT = "almost"
    with django_capture_on_commit_callbacks(execute=True):
        complete_lesson(learner, lesson)
        take_test(learner, lesson, right=3)
    assert Certificate.objects.get().verdict == "almost"


def test_certificate_issue_not_while_the_lesson_is_incomplete(
    learner, lesson, django_capture_on_commit_callbacks
):
    """A Strong test on a lesson not yet complete issues nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        take_test(learner, lesson)
    assert not Certificate.objects.exists()


def test_certificate_issue_not_for_a_test_left_unfinished(learner):
    """A test finished with a question unanswered never counts, even at Strong."""
    lesson = full_lesson(practice=1, test=10)
    complete_lesson(learner, lesson)
    take_test(learner, lesson, unanswered=1)
    assert learner.attempts.get(kind="test").verdict == "strong"
    assert certificate_issue(learner=learner, lesson=lesson) is None


def test_certificate_issue_not_for_an_anonymous_learner(lesson):
    """An anonymous learner has no name to certify: nothing is issued."""
    learner = LearnerFactory(user=None)
    complete_lesson(learner, lesson)
    take_test(learner, lesson)
    assert certificate_issue(learner=learner, lesson=lesson) is None
    assert not Certificate.objects.exists()


def test_certificate_issue_once_however_often_it_is_asked(
    qualified, lesson, django_capture_on_commit_callbacks
):
    """A later test, or asking again, returns the first certificate and issues no other."""
    first = Certificate.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        take_test(qualified, lesson)
    assert certificate_issue(learner=qualified, lesson=lesson) == first
    assert Certificate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_certificate_issue_in_parallel_issues_one(learner, lesson):
    """Eight parallel calls for one learner and lesson leave one certificate, and every
    call returns it."""
    complete_lesson(learner, lesson)
    take_test(learner, lesson)
    results = run_in_parallel(
        lambda: certificate_issue(learner=Learner.objects.get(pk=learner.pk), lesson=lesson).pk, 8
    )
    assert Certificate.objects.count() == 1
    assert set(results) == {Certificate.objects.get().pk}


def test_issue_certificates_command_issues_those_who_qualified_before(lesson, capsys):
    """Learners who qualified with no receiver listening get theirs from the command,
    and running it again issues nothing more."""
    learners = [LearnerFactory() for _ in range(2)]
    for learner in learners:
        complete_lesson(learner, lesson)
        take_test(learner, lesson)
    not_yet = LearnerFactory()
    complete_lesson(not_yet, lesson)
    assert not Certificate.objects.exists()
    call_command("issue_certificates")
    assert set(Certificate.objects.values_list("user", flat=True)) == {
        learner.user_id for learner in learners
    }
    assert "2 certificate(s) issued." in capsys.readouterr().out
    call_command("issue_certificates")
    assert Certificate.objects.count() == 2
    assert certificates_issue_missing() == []


def test_certificate_issue_at_log_in_for_what_was_earned_anonymously(lesson, client):
    """A visitor who earned it before logging in finds it issued once they log in."""
    user = UserFactory(username="grace")
    anonymous = LearnerFactory(user=None)
    complete_lesson(anonymous, lesson)
    take_test(anonymous, lesson)
    session = client.session
    session[SESSION_KEY] = anonymous.pk
    session.save()
    response = client.post(reverse("accounts:login"), {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert Certificate.objects.get().user == user


def test_certificate_revoke_keeps_the_first_revocation_and_is_audited(qualified):
    """Revoking records who, when and why; revoking again changes nothing."""
    certificate = Certificate.objects.get()
    instructor = UserFactory(username="instructor")
    revoked = certificate_revoke(certificate=certificate, by=instructor, reason="Shared answers")
    again = certificate_revoke(certificate=certificate, by=UserFactory(), reason="Other")
    assert again.revoked_at == revoked.revoked_at
    assert again.revoked_by == instructor
    assert again.revocation_reason == "Shared answers"
    event = AuditEvent.objects.for_object(certificate).filter(action="update").get()
    assert event.changes["revocation_reason"] == ["", "Shared answers"]


def test_certificate_revoke_needs_a_reason(qualified):
    """An empty reason is refused and nothing changes."""
    certificate = Certificate.objects.get()
    with pytest.raises(ValueError, match="Say why"):
        certificate_revoke(certificate=certificate, by=None, reason="   ")
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_certificate_issue_is_recorded_in_the_audit_trail(qualified):
    """Issuing shows in the audit trail: for whom, which lesson, which verdict."""
    event = AuditEvent.objects.for_object(Certificate.objects.get()).get(action="create")
    assert event.changes["verdict"] == [None, "strong"]


def test_certificate_issue_failure_does_not_break_the_learners_answer(
    learner, lesson, monkeypatch, django_capture_on_commit_callbacks
):
    """If issuing fails, the finished test is still saved and the receiver does not raise."""
    from trainer.certificates import services

    def broken(**kwargs):
        raise RuntimeError("signing is down")

    monkeypatch.setattr(services, "certificate_issue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        complete_lesson(learner, lesson)
        attempt = take_test(learner, lesson)
    assert attempt.is_finished
    assert not Certificate.objects.exists()


def test_backup_restore_keeps_certificates_and_their_links(qualified, tmp_path):
    """A restore brings certificates back with the same public id, verdict and
    revocation, so every link already shared still works."""
    from tests.security.test_backup import export, flush, restore

    certificate = certificate_revoke(
        certificate=Certificate.objects.get(), by=None, reason="Shared answers"
    )
    path = export(tmp_path)
    flush()
    assert not Certificate.objects.exists()
    restore(path)
    restored = Certificate.objects.get()
    assert (restored.public_id, restored.verdict, restored.revoked_at) == (
        certificate.public_id,
        certificate.verdict,
        certificate.revoked_at,
    )
    assert restored.revocation_reason == "Shared answers"


def test_certificate_issue_when_the_lesson_is_completed_after_the_test(learner, lesson):
    """Strong first, the lesson's last checkpoint later: the lesson_completed signal
    issues the certificate, dated when the lesson was complete."""
    take_test(learner, lesson)
    complete_lesson(learner, lesson)
    assert not Certificate.objects.exists()
    lesson_completed.send(sender=None, learner=learner, lesson=lesson)
    certificate = Certificate.objects.get()
    assert certificate.earned_at == learner.progress.get(lesson=lesson).completed_at
