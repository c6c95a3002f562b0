"""export_records and import_records: every learner record out and back, unchanged."""

import io
import json
import stat
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lessons.models import Lesson, QuestionKind
from quizzes import services
from quizzes.models import Attempt, Commit, HintRequest, Learner, LessonProgress
from tests.factories import (
    AssignmentFactory,
    LearnerFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    full_lesson,
)
from trainer.audit.models import AuditEvent
from trainer.audit.recorder import audit_suspended
from trainer.backup import history_models, record_models
from trainer.security import mfa
from trainer.security.models import AccountLockout

from .conftest import enrol, log_in, totp_code

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def records():
    """Learners with every kind of record, teams, and the audit trail they produced."""
    lesson = full_lesson(practice=2)
    reviewers = Group.objects.create(name="Reviewers")
    alice = UserFactory(username="alice", first_name="Alice ✓")
    alice.groups.add(reviewers, Group.objects.get(name="Instructor"))
    for learner in (LearnerFactory(user=alice), LearnerFactory(user=None)):
        step = lesson.steps.exclude(prediction_prompt="").get()
        services.commit_record(
            learner=learner, kind="step", item=step, answer=str(step.options.first().pk)
        )
        myth = lesson.myths.first()
        services.commit_record(learner=learner, kind="myth", item=myth, answer="yes")
        attempt = services.attempt_open(learner=learner, lesson=lesson, kind=QuestionKind.PRACTICE)
        question = lesson.questions.filter(kind=QuestionKind.PRACTICE).first()
        services.hint_reveal(learner=learner, attempt=attempt, question=question)
        services.commit_record(
            learner=learner,
            kind="question",
            item=question,
            answer=str(question.choices.first().pk),
            attempt=attempt,
        )
    team = TeamFactory(name="Blue team")
    MembershipFactory(team=team, user=alice, role="manager")
    MembershipFactory(team=team)
    AssignmentFactory(team=team, lesson=lesson, created_by=alice)
    return lesson


def export(tmp_path, name="backup.json"):
    path = tmp_path / name
    call_command("export_records", output=str(path), stderr=io.StringIO())
    return path


def restore(path, *args):
    out = io.StringIO()
    call_command("import_records", str(path), *args, stdout=out)
    return out.getvalue()


def flush():
    """Lose every learner record and account (the lesson content stays)."""
    with audit_suspended():
        for model in reversed(record_models()):
            model._base_manager.all().delete()


def test_export_import_export_is_identical(records, tmp_path):
    first = export(tmp_path, "first.json")
    counts = {
        Commit: Commit.objects.count(),
        Attempt: Attempt.objects.count(),
        HintRequest: HintRequest.objects.count(),
        LessonProgress: LessonProgress.objects.count(),
        AuditEvent: AuditEvent.objects.count(),
    }
    assert all(counts.values())
    flush()
    assert not Commit.objects.exists()
    assert not User.objects.exists()

    summary = restore(first)

    assert summary.startswith("Restored ")
    second = export(tmp_path, "second.json")
    assert second.read_text() == first.read_text()
    assert {model: model.objects.count() for model in counts} == counts
    alice = User.objects.get(username="alice")
    assert alice.check_password("correct horse battery")
    assert set(alice.groups.values_list("name", flat=True)) == {"Instructor", "Reviewers"}


def test_restore_writes_no_audit_events_of_its_own(records, tmp_path):
    path = export(tmp_path)
    events = AuditEvent.objects.count()
    flush()
    restore(path)
    assert AuditEvent.objects.count() == events


def test_new_records_after_a_restore_get_fresh_ids(records, tmp_path):
    """On PostgreSQL the id sequences must move past the restored rows."""
    path = export(tmp_path)
    flush()
    restore(path)
    newcomer = LearnerFactory(user=UserFactory(username="after-restore"))
    assert newcomer.pk > max(Learner.objects.exclude(pk=newcomer.pk).values_list("pk", flat=True))
    assert AuditEvent.objects.filter(object_repr="after-restore").exists()


def test_restore_refuses_to_mix_with_existing_records_unless_told_to_replace(records, tmp_path):
    path = export(tmp_path)
    Commit.objects.filter(kind="myth").delete()
    with pytest.raises(CommandError, match="already holds learner records"):
        restore(path)
    restore(path, "--replace")
    assert export(tmp_path, "again.json").read_text() == path.read_text()


def test_restore_refuses_records_for_other_lesson_content_and_writes_nothing(records, tmp_path):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    [pk] = document["lessons"]
    document["lessons"][pk] = "a-different-lesson"
    path.write_text(json.dumps(document))
    flush()
    with pytest.raises(CommandError, match="a-different-lesson"):
        restore(path)
    assert not User.objects.exists()
    assert not Commit.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json at all", "Not a JSON document"),
        ('{"format": "something-else"}', "Not a pattern-trainer-records document"),
        ('{"format": "pattern-trainer-records", "version": 99}', "Version 99"),
        (
            '{"format": "pattern-trainer-records", "version": 1, "lessons": {}, "groups": [],'
            ' "models": {"quizzes.nothing": []}}',
            "no models quizzes.nothing",
        ),
        (
            '{"format": "pattern-trainer-records", "version": 1, "lessons": {}, "groups": [],'
            ' "models": {"quizzes.commit": [{"pk": 1, "fields": {"learner": 999}}]}}',
            "could not be restored",
        ),
    ],
)
def test_restore_refuses_a_malformed_document(db, tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CommandError, match=message):
        restore(path)
    assert not Commit.objects.exists()


def test_export_to_a_file_is_readable_by_its_owner_only(records, tmp_path):
    path = export(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_export_to_standard_output_is_the_same_document(records, tmp_path):
    out = io.StringIO()
    call_command("export_records", stdout=out)
    assert out.getvalue() == export(tmp_path).read_text()


def snapshot(model, *fields):
    return sorted(model._base_manager.values_list(*fields))


def history_snapshot():
    """Every row of every lesson history table, every column."""
    return {
        model._meta.label_lower: snapshot(model, *[f.attname for f in model._meta.concrete_fields])
        for model in history_models()
    }


def versions_per_object():
    counts = {}
    for model in history_models():
        if "history_date" not in {f.name for f in model._meta.fields}:
            continue  # a table of links between versions, not versions
        for pk in model._base_manager.values_list("id", flat=True):
            counts[(model._meta.label_lower, pk)] = counts.get((model._meta.label_lower, pk), 0) + 1
    return counts


def test_restore_brings_back_devices_history_admin_log_and_lockouts(records, tmp_path, settings):
    """A restored staff account keeps its authenticator and recovery codes (no enrolling
    anew with the password), lessons keep every version, the admin log and lockouts hold."""
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    lesson = records
    staff = UserFactory(username="staffer", is_staff=True)
    device, codes = enrol(staff)
    next_code = totp_code(device.key, 1)
    for n in range(5):
        lesson.title = f"Version {n}"
        lesson.save()
    step = lesson.steps.get(order=2)
    step.title = "Edited step"
    step.save()
    lesson.steps.get(order=3).delete()
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Lesson),
        object_id=str(lesson.pk),
        object_repr=str(lesson),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Title"]}}]',
    )
    for n in range(4):
        attacker = Client(REMOTE_ADDR=f"198.51.100.{n}")
        for _ in range(settings.AXES_FAILURE_LIMIT - 3):
            attacker.post(reverse("accounts:login"), {"username": "staffer", "password": "x"})
    assert AccountLockout.objects.filter(username="staffer").exists()
    Client(REMOTE_ADDR="203.0.113.7").post(
        reverse("accounts:login"), {"username": "alice", "password": "x"}
    )

    versions = versions_per_object()
    assert versions[("lessons.historicallesson", lesson.pk)] >= 6
    history = history_snapshot()
    log = snapshot(LogEntry, "action_time", "user__username", "content_type", "object_id")
    attempts = snapshot(AccessAttempt, "username", "ip_address", "failures_since_start")
    lockouts = snapshot(AccountLockout, "username", "locked_at", "failures")
    path = export(tmp_path)

    # A new database: no accounts, records, logs or lockouts; lessons loaded from their
    # files afresh, each with the one version that loading writes.
    flush()
    for model in [*reversed(history_models()), AccessAttempt, AccountLockout]:
        model._base_manager.all().delete()
    assert not LogEntry.objects.exists()
    lesson.save()
    for part in lesson.steps.all():
        part.save()
    assert versions_per_object()[("lessons.historicallesson", lesson.pk)] == 1

    restore(path)

    assert versions_per_object() == versions
    assert history_snapshot() == history
    assert snapshot(LogEntry, "action_time", "user__username", "content_type", "object_id") == log
    assert snapshot(AccessAttempt, "username", "ip_address", "failures_since_start") == attempts
    assert snapshot(AccountLockout, "username", "locked_at", "failures") == lockouts
    staff = User.objects.get(username="staffer")
    assert mfa.second_factor_verify(user=staff, token=next_code).device is not None
    assert mfa.second_factor_verify(user=staff, token=codes[0]).device is not None
    assert mfa.recovery_codes_left(staff) == 9
    # The account stays locked from everywhere, and once that ends, asks for a code
    # rather than offering to enrol a new device.
    client = Client(REMOTE_ADDR="203.0.113.99")
    assert log_in(client, staff).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1))
    assert log_in(client, staff).status_code == 302
    assert client.get("/admin/")["Location"].startswith(reverse("security:verify"))


def test_restore_into_a_fresh_database_an_administrator_signed_in_to(records, tmp_path):
    """The login log that signing in wrote does not block the restore; the backup's
    replaces it."""
    path = export(tmp_path)
    flush()
    with audit_suspended():
        admin = UserFactory(username="new-admin", is_staff=True, is_superuser=True)
    log_in(Client(), admin)
    assert AccessLog.objects.filter(username="new-admin").exists()
    with audit_suspended():
        admin.delete()
    restore(path)
    assert not AccessLog.objects.filter(username="new-admin").exists()
    assert export(tmp_path, "again.json").read_text() == path.read_text()
