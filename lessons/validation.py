"""What a lesson needs before learners see it, and the writes that check it first.

Each rule is a plain function that returns messages (an empty list when all is well). The
admin runs the row rules on what an author submits, and ``lesson_problems`` runs all of
them on a saved lesson before it may be published, so a message reads the same wherever
it appears. A lesson without problems also exports to a file that loads back.
"""

import re
from collections import Counter

from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

from . import format_export, format_load, formats
from .models import Difficulty, Lesson, Question, QuestionKind

MAX_CHOICES = 6


def slug_problems(slug: str) -> list[str]:
    if formats.SLUG_RE.match(slug or "") and len(slug) <= 80:
        return []
    return [
        "The slug must be lowercase letters, digits and single hyphens "
        "(80 characters at most), for example “iam-best-practices”."
    ]


def order_problems(orders: list[int], noun: str) -> list[str]:
    """Rows are numbered on the page by their order, so no two may share one."""
    repeated = sorted(n for n, count in Counter(orders).items() if count > 1)
    return [f"Two {noun}s have order {n}: give each one its own position." for n in repeated]


def prediction_problems(prompt: str, expected: list[bool]) -> list[str]:
    """A prediction prompt needs two or more options, exactly one of them expected."""
    if not (prompt or "").strip():
        if expected:
            return [
                "Prediction options need a prediction prompt: "
                "write the prompt or delete the options."
            ]
        return []
    problems = []
    if len(expected) < 2:
        problems.append(f"A prediction needs at least two options (found {len(expected)}).")
    if expected and sum(expected) != 1:
        problems.append(f"Exactly one prediction option must be expected (found {sum(expected)}).")
    return problems


def choice_problems(correct: list[bool]) -> list[str]:
    """A question has two to six choices, exactly one of them correct."""
    problems = []
    if len(correct) < 2:
        problems.append(f"A question needs at least two choices (found {len(correct)}).")
    if len(correct) > MAX_CHOICES:
        problems.append(f"A question has at most {MAX_CHOICES} choices (found {len(correct)}).")
    if correct and sum(correct) != 1:
        problems.append(f"Exactly one choice must be correct (found {sum(correct)}).")
    return problems


# A question's choices show in a shuffled order and without letters where the learner
# answers it in the pattern test (quizzes.services.attempt_open); practice shows them in
# order, lettered A, B, C...
SHUFFLED_KINDS = {QuestionKind.TEST}
NAMED_BY_LETTER = re.compile(
    r"""\*\*\s*\(?[A-Fa-f][.):]?\)?\s*\*\*      # **B**, **(b)**, **C.**
    | __\s*[A-Fa-f]\s*__                         # __B__
    | \(\s*[A-Fa-f]\s*\)                         # (b)
    | \b(?i:answer|option|choice)s?\b\s*(?i:is\s+)?[:=]?\s*   # Answer: C, option D,
      (?:[A-F]\b|[a-f](?=\s*(?:[.,;:)]|$)))               # the answer is d.
    | ^\s*[A-F]\s*[.):\u2014\u2013-]\s             # B. ..., C) ..., A - ...
    """,
    re.VERBOSE | re.MULTILINE,
)


def final_answer_problems(final_answer: str, *, kind: str) -> list[str]:
    """A question shown with shuffled, unlettered choices states its final answer in words.

    "Final answer: B" means nothing to a learner whose choices were shuffled, so a final
    answer of such a question may not name a choice by its letter.
    """
    if kind not in SHUFFLED_KINDS or not NAMED_BY_LETTER.search(final_answer or ""):
        return []
    return [
        "The final answer names a choice by its letter, but this question's choices are "
        "shown shuffled and without letters: state the answer in words."
    ]


def difficulty_problems(difficulty: str) -> list[str]:
    if difficulty in Difficulty.values:
        return []
    return ["Every question needs a difficulty: easy, medium or hard."]


def teaches_problems(lesson_id: int | None, targets: list) -> list[str]:
    """A question teaches at most one part (a step, a myth or a pitfall) of its own lesson."""
    targets = [target for target in targets if target is not None]
    problems = []
    if len(targets) > 1:
        problems.append(
            "A question teaches one part of the lesson at most: "
            "choose a step, a myth or a pitfall, not several."
        )
    if any(target.lesson_id != lesson_id for target in targets):
        problems.append("A question can only teach a part of its own lesson.")
    return problems


def _about(label: str, messages: list[str]) -> list[str]:
    return [f"{label}: {message}" for message in messages]


def lesson_problems(lesson: Lesson) -> list[str]:
    """Every reason the saved lesson cannot be published yet; empty when it can."""
    lesson = Lesson.objects.prefetch_related(
        "steps__options",
        "myths",
        "nuances",
        "connections",
        "pitfalls",
        "takeaways",
        "questions__choices",
        "questions__solution",
        "questions__teaches_step",
        "questions__teaches_myth",
        "questions__teaches_pitfall",
    ).get(pk=lesson.pk)
    problems = slug_problems(lesson.slug)
    steps = list(lesson.steps.all())
    if not steps:
        problems.append("A lesson needs at least one build-up step.")
    for noun, rows in (
        ("step", steps),
        ("myth", lesson.myths.all()),
        ("nuance", lesson.nuances.all()),
        ("connection", lesson.connections.all()),
        ("pitfall", lesson.pitfalls.all()),
        ("takeaway", lesson.takeaways.all()),
    ):
        problems += order_problems([row.order for row in rows], noun)
    for step in steps:
        options = list(step.options.all())
        problems += _about(
            f"Step {step.order} “{step.title}”",
            prediction_problems(step.prediction_prompt, [o.is_expected for o in options])
            + order_problems([o.order for o in options], "prediction option"),
        )
    questions = list(lesson.questions.all())
    for kind in QuestionKind:
        of_kind = [q for q in questions if q.kind == kind]
        problems += order_problems([q.order for q in of_kind], f"{kind.label.lower()} question")
        for question in of_kind:
            problems += _about(
                f"{kind.label} question {question.order}", question_problems(question)
            )
    if not problems:
        # The file format is the full contract; anything it refuses is a problem too.
        problems = [
            f"The lesson would not export as a valid file: {error}"
            for error in formats.validate(format_export.to_document(lesson))
        ]
    return problems


def question_problems(question: Question) -> list[str]:
    choices = list(question.choices.all())
    return (
        difficulty_problems(question.difficulty)
        + choice_problems([c.is_correct for c in choices])
        + final_answer_problems(question.final_answer, kind=question.kind)
        + order_problems([c.order for c in choices], "choice")
        + order_problems([s.order for s in question.solution.all()], "solution step")
        + teaches_problems(
            question.lesson_id,
            [question.teaches_step, question.teaches_myth, question.teaches_pitfall],
        )
    )


def deletion_blockers(obj) -> str:
    """Why ``obj`` cannot be hard-deleted: learners' records refer to it ("" if none do)."""
    summary = learner_records(obj)
    if not summary:
        return ""
    return (
        f"“{obj}” cannot be deleted: records of learners or teams refer to it ({summary}). "
        "Edit it instead; its history keeps every earlier version."
    )


def learner_records(obj) -> str:
    """What records of learners or teams deleting ``obj`` would break ("" if none).

    Content that learners have committed to stays, so their records stay true: the
    database protects it, and whatever else a delete would take with it from outside
    the lesson content (progress, attempts) counts as a learner record too. The answer
    counts the records by kind ("2 commits, 1 step read") and never shows them.
    """
    collector = Collector(using=router.db_for_write(type(obj), instance=obj))
    try:
        collector.collect([obj])
    except ProtectedError as exc:
        records = list(exc.protected_objects)
    except RestrictedError as exc:
        records = list(exc.restricted_objects)
    else:
        records = [
            row
            for model, rows in collector.data.items()
            if model._meta.app_label != "lessons"
            for row in rows
        ]
        records += [
            row
            for queryset in collector.fast_deletes
            if queryset.model._meta.app_label != "lessons"
            for row in queryset
        ]
    if not records:
        return ""
    counts = Counter(type(row) for row in records)
    return ", ".join(
        f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
        for model, count in sorted(counts.items(), key=lambda item: item[0]._meta.model_name)
    )


def lesson_publish(*, lesson: Lesson) -> list[str]:
    """Publish the lesson if nothing is wrong with it; otherwise return what is."""
    problems = lesson_problems(lesson)
    if not problems and not lesson.published:
        lesson.published = True
        lesson.save(update_fields=["published", "updated_at"])
    return problems


def lesson_unpublish(*, lesson: Lesson) -> None:
    if lesson.published:
        lesson.published = False
        lesson.save(update_fields=["published", "updated_at"])


def lesson_keep_valid(*, lesson: Lesson) -> list[str]:
    """A published lesson that an edit made invalid goes back to draft; return why."""
    lesson.refresh_from_db(fields=["published"])
    if not lesson.published:
        return []
    problems = lesson_problems(lesson)
    if problems:
        lesson_unpublish(lesson=lesson)
    return problems


def lesson_import(*, text: str, source: str) -> tuple[Lesson, list[str]]:
    """Validate a lesson file whole, then write it; return the lesson and why it is a draft.

    Raise ``formats.LessonFormatError`` listing every problem, having written nothing.
    """
    document = formats.parse(text, source=source)
    errors = format_load._check_links([document], [source])
    if errors:
        raise formats.LessonFormatError(errors)
    [lesson] = format_load.save_documents([document], [source])
    return lesson, lesson_keep_valid(lesson=lesson)
