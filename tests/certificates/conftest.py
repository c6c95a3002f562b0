import pytest

from lessons.models import QuestionKind
from quizzes.items import ITEM_TYPES
from quizzes.models import ItemKind
from quizzes.services import attempt_finish, attempt_open, commit_record
from tests.factories import LearnerFactory, UserFactory, full_lesson


def _key(kind, item, right):
    item_type = ITEM_TYPES[kind]
    return next(
        o.key for o in item_type.options(item) if item_type.is_correct(item, o.key) == right
    )


def complete_lesson(learner, lesson):
    """Commit to every checkpoint of the lesson (predictions, myths, practice)."""
    for step in lesson.steps.exclude(prediction_prompt=""):
        commit_record(
            learner=learner, kind=ItemKind.STEP, item=step, answer=_key("step", step, True)
        )
    for myth in lesson.myths.all():
        commit_record(
            learner=learner, kind=ItemKind.MYTH, item=myth, answer=_key("myth", myth, True)
        )
    practice = attempt_open(learner=learner, lesson=lesson, kind=QuestionKind.PRACTICE)
    for question in lesson.questions.filter(kind=QuestionKind.PRACTICE):
        commit_record(
            learner=learner,
            kind=ItemKind.QUESTION,
            item=question,
            answer=_key("question", question, True),
            attempt=practice,
        )


def take_test(learner, lesson, *, right=None, unanswered=0):
    """Finish a pattern test: ``right`` questions answered right (all by default), the
    rest wrong, and the last ``unanswered`` of them left unanswered."""
    attempt = attempt_open(learner=learner, lesson=lesson, kind=QuestionKind.TEST)
    asked = attempt.question_ids[: len(attempt.question_ids) - unanswered]
    right = len(asked) if right is None else right
    for position, pk in enumerate(asked):
        question = lesson.questions.get(pk=pk)
        commit_record(
            learner=learner,
            kind=ItemKind.QUESTION,
            item=question,
            answer=_key("question", question, position < right),
            attempt=attempt,
        )
    return attempt_finish(learner=learner, attempt=attempt)


@pytest.fixture
def lesson():
    return full_lesson(practice=1, test=4, title="IAM least privilege")


@pytest.fixture
def learner():
    return LearnerFactory(user=UserFactory(username="ada", first_name="Ada", last_name="Lovelace"))


@pytest.fixture
def qualified(learner, lesson, django_capture_on_commit_callbacks):
    """A learner who completed the lesson and passed the test with Strong."""
    with django_capture_on_commit_callbacks(execute=True):
        complete_lesson(learner, lesson)
        take_test(learner, lesson)
    return learner
