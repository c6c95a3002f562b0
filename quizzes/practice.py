"""The practice card: which question is shown and what the learner did with it."""

from dataclasses import dataclass, field

from lessons.models import Lesson, Question, QuestionKind
from lessons.numbers import parse_int

from . import scoring
from .models import (
    Attempt,
    Commit,
    ItemKind,
    Learner,
)


@dataclass
class PracticeState:
    """The practice card: which question is shown and what the learner did with it."""

    questions: list[Question]
    attempt: Attempt | None = None
    history: list[Attempt] = field(default_factory=list)
    commits: dict[int, Commit] = field(default_factory=dict)
    hints: set[int] = field(default_factory=set)
    index: int = 0
    show_summary: bool = False

    @property
    def question(self):
        return self.questions[self.index] if self.questions else None

    @property
    def number(self):
        return self.index + 1

    @property
    def total(self):
        return len(self.questions)

    @property
    def commit(self):
        return self.commits.get(self.question.pk) if self.question else None

    @property
    def hint_shown(self):
        return self.question is not None and self.question.pk in self.hints

    @property
    def has_next(self):
        return self.number < self.total

    @property
    def score(self):
        return scoring.round_score(c.correct for c in self.commits.values()).right

    @property
    def reviewed(self):
        return [(q, self.commits.get(q.pk)) for q in self.questions]


def practice_number(raw: str | None, total: int) -> int | None:
    """The practice question asked for with ``?q=N``; ValueError if there is no such one."""
    if raw is None:
        return None
    return parse_int(raw, minimum=1, maximum=total)


def practice_state(
    learner: Learner | None, lesson: Lesson, questions: list[Question], number: int | None = None
) -> PracticeState:
    """The practice card for question ``number`` (1-based), or where the learner is.

    ``questions`` are the lesson's practice questions with their choices and solutions
    already fetched. Without a number, the card shows the first unanswered question of the
    open attempt, or the summary when the latest attempt is finished.
    """
    state = PracticeState(questions=questions)
    if learner is not None:
        state.history = list(
            Attempt.objects.filter(learner=learner, lesson=lesson, kind=QuestionKind.PRACTICE)
            .prefetch_related("commits", "hints")
            .order_by("-number")
        )
    if state.history:
        state.attempt = state.history[0]
        state.commits = {
            c.question_id: c for c in state.attempt.commits.all() if c.kind == ItemKind.QUESTION
        }
        state.hints = {h.question_id for h in state.attempt.hints.all()}
    if number is not None:
        state.index = number - 1
    elif state.attempt and state.attempt.is_finished:
        state.show_summary = True
    else:
        answered = [i for i, q in enumerate(questions) if q.pk not in state.commits]
        state.index = answered[0] if answered else 0
    return state
