import pytest
from django.db.models import ProtectedError

from lessons.models import QuestionKind
from quizzes import signals, sql
from quizzes.errors import CommitRefused, NotFound, NotOpen
from quizzes.models import Attempt, Commit, Learner
from quizzes.services import (
    attempt_open,
    attempt_restart,
    commit_record,
    learner_merge,
    learner_start,
    mode_remember,
    progress_refresh,
)
from tests.factories import LearnerFactory, full_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    return full_lesson(steps=3, practice=2)


@pytest.fixture
def learner():
    return LearnerFactory()


def prediction(lesson):
    return lesson.steps.exclude(prediction_prompt="").get()


def expected_key(step):
    return str(step.options.get(is_expected=True).pk)


def test_commit_record_stores_answer_with_snapshot(lesson, learner):
    step = prediction(lesson)
    commit, created = commit_record(
        learner=learner, kind="step", item=step, answer=expected_key(step)
    )
    assert created
    assert commit.correct
    assert commit.answer_text == "The second guess"
    assert commit.lesson == lesson


def test_commit_record_second_commit_returns_the_first(lesson, learner):
    """A first answer is final: a different second answer changes nothing."""
    step = prediction(lesson)
    wrong = str(step.options.get(is_expected=False).pk)
    first, _ = commit_record(learner=learner, kind="step", item=step, answer=wrong)
    second, created = commit_record(
        learner=learner, kind="step", item=step, answer=expected_key(step)
    )
    assert not created
    assert second.pk == first.pk
    assert not second.correct
    assert Commit.objects.count() == 1


def test_commit_record_refuses_an_answer_that_is_not_an_option(lesson, learner):
    step = prediction(lesson)
    foreign = expected_key(prediction(full_lesson()))
    with pytest.raises(CommitRefused, match="not one of this item's options"):
        commit_record(learner=learner, kind="step", item=step, answer=foreign)
    assert not Commit.objects.exists()


def test_commit_record_myth_correctness(lesson, learner):
    no_myth, yes_myth = lesson.myths.order_by("order")
    assert commit_record(learner=learner, kind="myth", item=no_myth, answer="no")[0].correct
    assert not commit_record(learner=learner, kind="myth", item=yes_myth, answer="no")[0].correct


def test_commit_record_question_needs_the_learners_attempt(lesson, learner):
    question = lesson.questions.first()
    answer = str(question.choices.first().pk)
    with pytest.raises(NotFound):
        commit_record(learner=learner, kind="question", item=question, answer=answer)
    someone_else = attempt_open(learner=LearnerFactory(), lesson=lesson, kind="practice")
    with pytest.raises(CommitRefused):
        commit_record(
            learner=learner, kind="question", item=question, answer=answer, attempt=someone_else
        )
    assert not Commit.objects.exists()


def test_commit_record_question_outside_the_attempt_is_refused(lesson, learner):
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    stranger = full_lesson(practice=1).questions.get()
    with pytest.raises(CommitRefused, match="not part of this attempt"):
        commit_record(
            learner=learner,
            kind="question",
            item=stranger,
            answer=str(stranger.choices.first().pk),
            attempt=attempt,
        )


def answer_all(learner, lesson, correct=True):
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    for question in lesson.questions.filter(kind="practice"):
        choice = question.choices.filter(is_correct=correct).first()
        commit_record(
            learner=learner, kind="question", item=question, answer=str(choice.pk), attempt=attempt
        )
    attempt.refresh_from_db()
    return attempt


def test_practice_attempt_finishes_with_its_score_when_all_answered(lesson, learner):
    attempt = answer_all(learner, lesson)
    assert attempt.is_finished
    assert (attempt.score, attempt.total) == (2, 2)


def test_commit_to_a_finished_attempt_is_refused(lesson, learner):
    attempt = answer_all(learner, lesson)
    Commit.objects.filter(attempt=attempt).first().delete()
    question = lesson.questions.first()
    with pytest.raises(NotOpen):
        commit_record(
            learner=learner,
            kind="question",
            item=question,
            answer=str(question.choices.first().pk),
            attempt=attempt,
        )


def test_attempt_restart_keeps_history_and_numbers_attempts(lesson, learner):
    first = answer_all(learner, lesson, correct=False)
    second = attempt_restart(learner=learner, lesson=lesson, kind="practice")
    assert second.number == 2
    assert not second.is_finished
    first.refresh_from_db()
    assert first.score == 0
    assert Commit.objects.filter(attempt=first).count() == 2


def test_attempt_restart_counts_unanswered_as_wrong(lesson, learner):
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    question = lesson.questions.first()
    commit_record(
        learner=learner,
        kind="question",
        item=question,
        answer=str(question.choices.get(is_correct=True).pk),
        attempt=attempt,
    )
    attempt_restart(learner=learner, lesson=lesson, kind="practice")
    attempt.refresh_from_db()
    assert (attempt.score, attempt.total) == (1, 2)


def test_progress_follows_commits(lesson, learner):
    step = prediction(lesson)
    commit_record(learner=learner, kind="step", item=step, answer=expected_key(step))
    progress = learner.progress.get(lesson=lesson)
    # 1 prediction + 2 myths + 2 practice questions = 5 checkpoints
    assert progress.percent == 20
    assert progress.resume_anchor == "myth-1"
    assert progress.started_at is not None
    assert progress.completed_at is None
    for myth in lesson.myths.all():
        commit_record(learner=learner, kind="myth", item=myth, answer="yes")
    answer_all(learner, lesson)
    progress.refresh_from_db()
    assert progress.percent == 100
    assert progress.completed_at is not None
    assert progress.resume_anchor == ""
    assert (progress.myths_correct, progress.practice_score, progress.practice_best) == (1, 2, 2)


def test_progress_refresh_sends_lesson_completed_once_when_the_lesson_completes(
    lesson, learner, django_capture_on_commit_callbacks
):
    """Completing a lesson tells listeners once, after the commit that completed it; the
    commits before it and a refresh after it send nothing."""
    received = []

    def listener(sender, **kwargs):
        received.append((kwargs["learner"].pk, kwargs["lesson"].pk))

    signals.lesson_completed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            step = prediction(lesson)
            commit_record(learner=learner, kind="step", item=step, answer=expected_key(step))
            for myth in lesson.myths.all():
                commit_record(learner=learner, kind="myth", item=myth, answer="yes")
        assert received == []
        with django_capture_on_commit_callbacks(execute=True):
            answer_all(learner, lesson)
        assert received == [(learner.pk, lesson.pk)]
        with django_capture_on_commit_callbacks(execute=True):
            progress_refresh(learner=learner, lesson=lesson)
            attempt_restart(learner=learner, lesson=lesson, kind="practice")
    finally:
        signals.lesson_completed.disconnect(listener)
    assert received == [(learner.pk, lesson.pk)]


def test_progress_refresh_sends_lesson_completed_when_the_first_progress_completes(
    learner, django_capture_on_commit_callbacks
):
    """A lesson completed by the learner's very first commit (no progress row before) is a
    completion too."""
    lesson = full_lesson(steps=1, practice=0)
    lesson.myths.all().delete()
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs["lesson"].pk)

    signals.lesson_completed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            step = prediction(lesson)
            commit_record(learner=learner, kind="step", item=step, answer=expected_key(step))
    finally:
        signals.lesson_completed.disconnect(listener)
    assert received == [lesson.pk]


def test_progress_counts_a_practice_question_once_across_attempts(lesson, learner):
    answer_all(learner, lesson, correct=False)
    attempt_restart(learner=learner, lesson=lesson, kind="practice")
    answer_all(learner, lesson, correct=True)
    progress_refresh(learner=learner, lesson=lesson)
    progress = learner.progress.get(lesson=lesson)
    assert progress.practice_done == 2
    assert (progress.practice_score, progress.practice_best) == (2, 2)


def test_commit_keeps_its_verdict_when_the_lesson_changes(lesson, learner):
    """A committed answer keeps the correctness it had when it was committed."""
    step = prediction(lesson)
    commit, _ = commit_record(learner=learner, kind="step", item=step, answer=expected_key(step))
    step.options.update(is_expected=False)
    commit.refresh_from_db()
    assert commit.correct


def test_answered_question_cannot_be_deleted(lesson, learner):
    answer_all(learner, lesson)
    with pytest.raises(ProtectedError):
        lesson.questions.first().delete()


def test_learner_merge_carries_everything_and_keeps_first_answers(lesson):
    account = LearnerFactory()
    anonymous = Learner.objects.create()
    no_myth, yes_myth = lesson.myths.order_by("order")
    commit_record(learner=account, kind="myth", item=no_myth, answer="no")
    commit_record(learner=anonymous, kind="myth", item=no_myth, answer="yes")
    commit_record(learner=anonymous, kind="myth", item=yes_myth, answer="yes")
    answer_all(account, lesson)
    answer_all(anonymous, lesson, correct=False)

    learner_merge(source=anonymous, target=account)

    assert not Learner.objects.filter(pk=anonymous.pk).exists()
    myths = dict(account.commits.filter(kind="myth").values_list("myth_id", "answer"))
    assert myths == {no_myth.pk: "no", yes_myth.pk: "yes"}
    assert list(
        Attempt.objects.filter(learner=account).order_by("number").values_list("number", "score")
    ) == [(1, 2), (2, 0)]
    assert account.progress.get(lesson=lesson).myths_done == 2


def test_learner_merge_closes_a_second_open_attempt(lesson):
    account = LearnerFactory()
    anonymous = Learner.objects.create()
    attempt_open(learner=account, lesson=lesson, kind=QuestionKind.PRACTICE)
    theirs = attempt_open(learner=anonymous, lesson=lesson, kind=QuestionKind.PRACTICE)
    learner_merge(source=anonymous, target=account)
    theirs.refresh_from_db()
    assert theirs.is_finished
    assert Attempt.objects.filter(learner=account, finished_at=None).count() == 1


def test_progress_totals_follow_edits_to_the_lesson(lesson, learner):
    """The cached outline progress counts against moves on when the lesson changes."""
    no_myth = lesson.myths.order_by("order").first()
    commit_record(learner=learner, kind="myth", item=no_myth, answer="no")
    assert learner.progress.get(lesson=lesson).myths_total == 2
    lesson.myths.create(
        order=3, question="New?", belief="b", reality="r", why_it_matters="w", true_answer=False
    )
    lesson.refresh_from_db()
    progress_refresh(learner=learner, lesson=lesson)
    progress = learner.progress.get(lesson=lesson)
    assert progress.myths_total == 3
    assert progress.resume_anchor == "step-1"


def test_a_commit_rewrites_the_figures_and_leaves_the_last_mode(lesson, learner):
    """A commit writes only what it computes: the mode saved beside it stands."""
    no_myth, yes_myth = lesson.myths.order_by("order")
    commit_record(learner=learner, kind="myth", item=no_myth, answer="no")
    mode_remember(learner=learner, lesson=lesson, mode="flashcards")
    commit_record(learner=learner, kind="myth", item=yes_myth, answer="no")
    progress = learner.progress.get(lesson=lesson)
    assert (progress.last_mode, progress.myths_done, progress.myths_correct) == (
        "flashcards",
        2,
        1,
    )


def test_progress_update_refuses_a_name_that_is_not_a_progress_field(lesson, learner):
    with pytest.raises(ValueError, match="Not progress fields"):
        sql.progress_update(learner.pk, lesson.pk, {"percent = 0; --": 1}, complete=False)


def test_learner_start_gives_one_browser_one_learner_and_others_their_own():
    """First commits with the same browser key find one learner; other keys, or none,
    each make their own."""
    first = learner_start(browser_key="a" * 64)
    assert learner_start(browser_key="a" * 64) == first
    assert learner_start(browser_key="b" * 64) != first
    assert learner_start(browser_key=None) != learner_start(browser_key=None)
    assert Learner.objects.filter(user=None).count() == 4


def test_learner_start_after_the_key_lifetime_makes_a_new_learner(lesson):
    """Once the key's lifetime is over only the session finds the learner: the same
    browser without it starts afresh, and the old learner keeps its records."""
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.services import BROWSER_KEY_LIFETIME

    old = learner_start(browser_key="a" * 64)
    commit_record(learner=old, kind="myth", item=lesson.myths.first(), answer="no")
    Learner.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - BROWSER_KEY_LIFETIME - timedelta(seconds=1)
    )
    new = learner_start(browser_key="a" * 64)
    assert new != old
    old.refresh_from_db()
    assert (old.browser_key, old.commits.count(), new.commits.count()) == (None, 1, 0)


def test_learner_start_never_finds_an_account_learner():
    """A key left on a learner that became an account's is freed, not followed."""
    account = LearnerFactory(browser_key="a" * 64)
    anonymous = learner_start(browser_key="a" * 64)
    assert anonymous != account
    assert anonymous.user is None
    account.refresh_from_db()
    assert account.browser_key is None
