"""export_records and import_records: every learner record out and back, unchanged."""

import io
import json
import stat

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from lessons.models import QuestionKind
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
from trainer.backup import record_models

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
