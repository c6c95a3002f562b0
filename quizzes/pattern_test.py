"""The pattern test as a learner sees it: its intro, the current question, the review."""

from dataclasses import dataclass

from django.db.models import Count

from lessons.models import Lesson, Question, QuestionKind

from . import scoring
from .models import (
    Attempt,
    Commit,
    Learner,
    Verdict,
)
from .services import TEST_SIZE

MINUTES_PER_TEST_QUESTION = 1


@dataclass
class ReviewRow:
    question: Question
    commit: Commit | None
    choices: list
    lesson_link: str

    @property
    def correct_choice(self):
        return next((c for c in self.choices if c.is_correct), None)


@dataclass
class TestState:
    attempt: Attempt
    questions: list[Question]
    commits: dict[int, Commit]

    @property
    def answered(self):
        return len(self.commits)

    @property
    def total(self):
        return len(self.questions)

    @property
    def current(self):
        return next((q for q in self.questions if q.pk not in self.commits), None)

    @property
    def number(self):
        return self.answered + 1

    def choices_of(self, question):
        order = self.attempt.choice_orders.get(str(question.pk), [])
        position = {pk: i for i, pk in enumerate(order)}
        return sorted(question.choices.all(), key=lambda c: position.get(c.pk, len(position)))

    @property
    def current_choices(self):
        return self.choices_of(self.current) if self.current else []

    @property
    def review(self):
        return [
            ReviewRow(q, self.commits.get(q.pk), self.choices_of(q), _lesson_link(q))
            for q in self.questions
        ]

    @property
    def breakdown(self):
        return scoring.breakdown(
            [(q.difficulty, bool(c and c.correct)) for q in self.questions
             for c in [self.commits.get(q.pk)]]
        )  # fmt: skip

    @property
    def verdict_label(self):
        return Verdict(self.attempt.verdict).label if self.attempt.verdict else ""


def _lesson_link(question: Question) -> str:
    """Where in the lesson a question's idea is taught, as a link to that part."""
    url = question.lesson.get_absolute_url()
    for target in ("step", "myth", "pitfall"):
        part = getattr(question, f"teaches_{target}")
        if part is not None:
            return f"{url}#{target}-{part.order}"
    return ""


def test_state(attempt: Attempt) -> TestState:
    by_pk = {
        q.pk: q
        for q in Question.objects.filter(pk__in=attempt.question_ids)
        .select_related("lesson", "teaches_step", "teaches_myth", "teaches_pitfall")
        .prefetch_related("choices", "solution")
    }
    return TestState(
        attempt=attempt,
        questions=[by_pk[pk] for pk in attempt.question_ids if pk in by_pk],
        commits={c.question_id: c for c in attempt.commits.all()},
    )


def test_intro_context(lesson: Lesson, learner: Learner | None) -> dict:
    counts = dict(
        lesson.questions.filter(kind=QuestionKind.TEST)
        .values_list("difficulty")
        .annotate(n=Count("pk"))
    )
    size = min(TEST_SIZE, sum(counts.values()))
    history = []
    if learner is not None:
        history = list(
            Attempt.objects.filter(learner=learner, lesson=lesson, kind=QuestionKind.TEST).order_by(
                "-number"
            )
        )
    return {
        "lesson": lesson,
        "size": size,
        "difficulties": [d for d in scoring.DIFFICULTIES if counts.get(d)],
        "minutes": max(1, size * MINUTES_PER_TEST_QUESTION),
        "history": history,
        "open_attempt": next((a for a in history if not a.is_finished), None),
    }
