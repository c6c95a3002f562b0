"""The authoring rules: plain functions, and the publishing and import services using them."""

import pytest
import yaml

from lessons import format_export, formats
from lessons.forms import QuestionForm
from lessons.management.commands.load_lessons import SHIPPED
from lessons.models import Lesson, QuestionKind
from lessons.validation import (
    choice_problems,
    deletion_blockers,
    difficulty_problems,
    final_answer_problems,
    lesson_import,
    lesson_keep_valid,
    lesson_problems,
    lesson_publish,
    order_problems,
    prediction_problems,
    slug_problems,
    teaches_problems,
)
from quizzes.services import attempt_open, commit_record
from tests.factories import (
    LearnerFactory,
    LessonFactory,
    MythFactory,
    PredictionOptionFactory,
    QuestionFactory,
    StepFactory,
    full_lesson,
)


def test_slug_problems_accepts_lowercase_hyphenated_slugs():
    assert slug_problems("iam-best-practices-2") == []


@pytest.mark.parametrize("slug", ["IAM", "double--hyphen", "under_score", "-edge", "", "a" * 81])
def test_slug_problems_refuses_other_slugs(slug):
    assert slug_problems(slug) == [
        "The slug must be lowercase letters, digits and single hyphens "
        "(80 characters at most), for example “iam-best-practices”."
    ]


def test_order_problems_names_each_repeated_position():
    assert order_problems([1, 2, 2, 3, 3, 3], "step") == [
        "Two steps have order 2: give each one its own position.",
        "Two steps have order 3: give each one its own position.",
    ]
    assert order_problems([1, 2, 3], "step") == []


def test_prediction_problems_needs_two_options_and_one_expected():
    assert prediction_problems("Guess?", [True, False]) == []
    assert prediction_problems("Guess?", []) == [
        "A prediction needs at least two options (found 0)."
    ]
    assert prediction_problems("Guess?", [False, False]) == [
        "Exactly one prediction option must be expected (found 0)."
    ]
    assert prediction_problems("Guess?", [True]) == [
        "A prediction needs at least two options (found 1)."
    ]
    assert prediction_problems("Guess?", [True, True, False]) == [
        "Exactly one prediction option must be expected (found 2)."
    ]


def test_prediction_problems_refuses_options_without_a_prompt():
    assert prediction_problems("", []) == []
    assert prediction_problems("  ", [True, False]) == [
        "Prediction options need a prediction prompt: write the prompt or delete the options."
    ]


def test_choice_problems_needs_two_to_six_choices_and_one_correct():
    assert choice_problems([False, True, False, False]) == []
    assert choice_problems([False, False]) == ["Exactly one choice must be correct (found 0)."]
    assert choice_problems([True, True]) == ["Exactly one choice must be correct (found 2)."]
    assert choice_problems([True]) == ["A question needs at least two choices (found 1)."]
    assert choice_problems([True] + [False] * 6) == ["A question has at most 6 choices (found 7)."]


def test_difficulty_problems_needs_a_known_difficulty():
    assert difficulty_problems("hard") == []
    assert difficulty_problems("") == ["Every question needs a difficulty: easy, medium or hard."]


def test_teaches_problems_allows_one_part_of_the_same_lesson(db):
    lesson = LessonFactory()
    step = StepFactory(lesson=lesson)
    myth = MythFactory(lesson=lesson)
    other = StepFactory()
    assert teaches_problems(lesson.pk, [step, None, None]) == []
    assert teaches_problems(lesson.pk, [None, None, None]) == []
    assert teaches_problems(lesson.pk, [step, myth, None]) == [
        "A question teaches one part of the lesson at most: "
        "choose a step, a myth or a pitfall, not several."
    ]
    assert teaches_problems(lesson.pk, [other, None, None]) == [
        "A question can only teach a part of its own lesson."
    ]


def test_lesson_problems_is_empty_for_a_complete_lesson(db):
    assert lesson_problems(full_lesson()) == []


def test_lesson_problems_accepts_the_shipped_lesson(iam):
    assert lesson_problems(iam) == []


def test_lesson_problems_needs_a_step(db):
    assert lesson_problems(LessonFactory()) == ["A lesson needs at least one build-up step."]


def test_lesson_problems_names_the_step_with_a_bad_prediction(db):
    lesson = full_lesson(practice=0)
    step = lesson.steps.get(order=2)
    step.prediction_prompt = "Which one?"
    step.save()
    PredictionOptionFactory(step=step, order=1, text="Only option")
    assert lesson_problems(lesson) == [
        f"Step 2 “{step.title}”: A prediction needs at least two options (found 1).",
        f"Step 2 “{step.title}”: Exactly one prediction option must be expected (found 0).",
    ]


def test_lesson_problems_names_each_bad_question(db):
    lesson = full_lesson(practice=1, test=0)
    QuestionFactory(lesson=lesson, order=2, choices=0)
    QuestionFactory(lesson=lesson, kind=QuestionKind.TEST, order=1, choices=3, choices__correct=0)
    bad_difficulty = QuestionFactory(lesson=lesson, order=3)
    lesson.questions.filter(pk=bad_difficulty.pk).update(difficulty="")
    assert lesson_problems(lesson) == [
        "Practice question 2: A question needs at least two choices (found 0).",
        "Practice question 3: Every question needs a difficulty: easy, medium or hard.",
        "Pattern test question 1: Exactly one choice must be correct (found 0).",
    ]


def test_lesson_problems_finds_repeated_orders(db):
    lesson = full_lesson(practice=0)
    lesson.steps.filter(order=3).update(order=2)
    assert "Two steps have order 2: give each one its own position." in lesson_problems(lesson)


def test_lesson_problems_finds_a_question_teaching_another_lesson(db):
    lesson = full_lesson(practice=1)
    question = lesson.questions.get()
    question.teaches_step = StepFactory()
    question.save()
    assert lesson_problems(lesson) == [
        "Practice question 1: A question can only teach a part of its own lesson."
    ]


def test_lesson_problems_reports_what_the_file_format_refuses(db):
    lesson = full_lesson(practice=0)
    lesson.estimated_minutes = 0
    lesson.save()
    assert lesson_problems(lesson) == [
        "The lesson would not export as a valid file: "
        "estimated_minutes: must be a whole number of minutes from 1 to 600"
    ]


def test_lesson_publish_publishes_a_valid_draft(db):
    lesson = full_lesson(published=False)
    assert lesson_publish(lesson=lesson) == []
    lesson.refresh_from_db()
    assert lesson.published


def test_lesson_publish_refuses_an_invalid_lesson(db):
    lesson = LessonFactory(published=False)
    assert lesson_publish(lesson=lesson) == ["A lesson needs at least one build-up step."]
    lesson.refresh_from_db()
    assert not lesson.published


def test_lesson_keep_valid_turns_an_invalid_published_lesson_into_a_draft(db):
    lesson = full_lesson(practice=1)
    lesson.questions.get().choices.update(is_correct=False)
    assert lesson_keep_valid(lesson=lesson) == [
        "Practice question 1: Exactly one choice must be correct (found 0)."
    ]
    lesson.refresh_from_db()
    assert not lesson.published


def test_lesson_keep_valid_leaves_a_valid_lesson_published(db):
    lesson = full_lesson()
    assert lesson_keep_valid(lesson=lesson) == []
    lesson.refresh_from_db()
    assert lesson.published


def test_deletion_blockers_is_empty_for_content_nobody_committed_to(db):
    lesson = full_lesson()
    assert deletion_blockers(lesson.steps.first()) == ""
    assert deletion_blockers(lesson) == ""


def test_deletion_blockers_counts_learner_records_without_naming_learners(db):
    lesson = full_lesson()
    step = lesson.steps.get(order=1)
    option = step.options.get(is_expected=True)
    learners = LearnerFactory.create_batch(2)
    for learner in learners:
        commit_record(learner=learner, kind="step", item=step, answer=str(option.pk))
    assert deletion_blockers(step) == (
        f"“{step}” cannot be deleted: records of learners or teams refer to it (2 commits). "
        "Edit it instead; its history keeps every earlier version."
    )
    for message in (deletion_blockers(step), deletion_blockers(lesson)):
        assert option.text not in message
        assert all(learner.user.username not in message for learner in learners)


def test_deletion_blockers_protects_a_lesson_with_progress_or_attempts(db):
    lesson = full_lesson(practice=1)
    learner = LearnerFactory()
    attempt_open(learner=learner, lesson=lesson, kind=QuestionKind.PRACTICE)
    assert "1 attempt" in deletion_blockers(lesson)


def test_lesson_import_writes_a_valid_file_and_reports_nothing(db):
    text = format_export.export(full_lesson(slug="to-copy"))
    Lesson.objects.all().delete()
    lesson, problems = lesson_import(text=text, source="copy.yaml")
    assert problems == []
    assert lesson.slug == "to-copy"
    assert lesson.steps.count() == 3
    assert format_export.export(lesson) == text


def test_lesson_import_refuses_a_missing_prerequisite_and_writes_nothing(db):
    document = format_export.to_document(full_lesson(slug="needs-more"))
    Lesson.objects.all().delete()
    document["overview"]["prerequisites"] = ["not-there"]
    with pytest.raises(formats.LessonFormatError, match="no lesson with slug 'not-there'"):
        lesson_import(text=formats.yaml.safe_dump(document), source="x.yaml")
    assert not Lesson.objects.exists()


def test_lesson_import_refuses_to_drop_content_learners_answered(db):
    lesson = full_lesson(slug="answered")
    myth = lesson.myths.get(order=2)
    commit_record(learner=LearnerFactory(), kind="myth", item=myth, answer="yes")
    document = format_export.to_document(lesson)
    document["myths"] = document["myths"][:1]
    with pytest.raises(formats.LessonFormatError, match=r"answered\.yaml: the myth .* is left out"):
        lesson_import(text=formats.yaml.safe_dump(document), source="answered.yaml")
    assert lesson.myths.count() == 2


LETTERED = "The final answer names a choice by its letter"


@pytest.mark.parametrize(
    "final_answer",
    [
        "**B** — enable MFA.",
        "**(c)**",
        "Answer: C",
        "The answer is d.",
        "(b)",
        "Pick option D.",
        "B. Enable MFA on root.",
        "C) No; the Deny wins.",
        "A — AWS CloudTrail.",
    ],
)
def test_final_answer_problems_refuse_a_letter_where_choices_are_shuffled(final_answer):
    """A pattern-test question shows its choices shuffled and unlettered: no letters."""
    [problem] = final_answer_problems(final_answer, kind=QuestionKind.TEST)
    assert problem.startswith(LETTERED)
    assert final_answer_problems(final_answer, kind=QuestionKind.PRACTICE) == []


@pytest.mark.parametrize(
    "final_answer",
    [
        "Enable MFA, create no access keys, and use root only when a task requires it.",
        "A bucket policy in account A that allows the role.",
        "Temporary credentials (key ID, secret key and session token).",
        "An option that allows everything is still wrong.",
        "",
    ],
)
def test_final_answer_problems_accept_answers_in_words(final_answer):
    assert final_answer_problems(final_answer, kind=QuestionKind.TEST) == []


def shipped_document():
    return yaml.safe_load((SHIPPED / "iam-best-practices.yaml").read_text(encoding="utf-8"))


def test_shipped_lesson_states_its_test_answers_in_words():
    """The shipped file passes the rule, on load, import and publish alike."""
    assert formats.validate(shipped_document()) == []
    for question in shipped_document()["test"]:
        assert final_answer_problems(question["final_answer"], kind=QuestionKind.TEST) == []


@pytest.mark.django_db
def test_load_and_import_refuse_a_lettered_final_answer_in_the_test():
    """A lesson file whose test question says "**B**" is refused and nothing is written."""
    document = shipped_document()
    document["test"][2]["final_answer"] = "**A** — AWS CloudTrail."
    document["practice"][0]["final_answer"] = "**C** — least privilege."
    with pytest.raises(formats.LessonFormatError) as refused:
        lesson_import(text=yaml.safe_dump(document), source="iam.yaml")
    [error] = refused.value.errors
    assert "test[3].final_answer" in error
    assert LETTERED in error
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_publish_and_admin_refuse_a_lettered_final_answer_in_the_test():
    lesson = full_lesson(practice=0, test=1, published=False)
    question = lesson.questions.get()
    question.final_answer = "Answer: C"
    question.save()
    problems = lesson_publish(lesson=lesson)
    assert problems == [
        f"Pattern test question 1: {final_answer_problems('**C**', kind='test')[0]}"
    ]
    lesson.refresh_from_db()
    assert not lesson.published
    data = {
        "lesson": lesson.pk,
        "kind": "test",
        "order": 1,
        "difficulty": "easy",
        "stem": "Which?",
        "final_answer": "**B**",
    }
    form = QuestionForm(data=data, instance=question)
    assert not form.is_valid()
    assert LETTERED in form.errors["final_answer"][0]
