"""What a learner has done on a lesson, read in a fixed number of queries for a page."""

from dataclasses import dataclass, field

from django.db.models import Count

from lessons.cards import cards_for
from lessons.models import Lesson, Question, QuestionKind
from lessons.numbers import parse_int

from . import scoring
from .flashcards import cards_offered, next_card
from .models import (
    Attempt,
    CardSchedule,
    Commit,
    ItemKind,
    Learner,
    LessonProgress,
    StepRead,
    Verdict,
)
from .services import TEST_SIZE


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


@dataclass
class LessonState:
    commits: dict[tuple[str, int], Commit]
    progress: LessonProgress | None

    def commit_for(self, kind: str, pk: int) -> Commit | None:
        return self.commits.get((kind, pk))


def practice_number(raw: str | None, total: int) -> int | None:
    """The practice question asked for with ``?q=N``; ValueError if there is no such one."""
    if raw is None:
        return None
    return parse_int(raw, minimum=1, maximum=total)


def lesson_state(learner: Learner | None, lesson: Lesson) -> LessonState:
    """The learner's standalone commits (predictions, myths, pitfalls) and progress."""
    if learner is None:
        return LessonState(commits={}, progress=None)
    commits = Commit.objects.filter(learner=learner, lesson=lesson, attempt=None)
    return LessonState(
        commits={(c.kind, c.item_id): c for c in commits},
        progress=LessonProgress.objects.filter(learner=learner, lesson=lesson).first(),
    )


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


# The pattern test ----------------------------------------------------------------------

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


# Learning modes --------------------------------------------------------------------------


@dataclass
class StepByStep:
    """One build-up step at a time: a step opens once every step before it is done.

    A step is done when its prediction is committed, or, without a prediction, once the
    learner marks it read.
    """

    steps: list
    done: list[bool]
    index: int

    @property
    def step(self):
        return self.steps[self.index]

    @property
    def number(self):
        return self.index + 1

    @property
    def open_until(self):
        return scoring.open_until(self.done)

    @property
    def current_done(self):
        return self.done[self.index]

    @property
    def has_next(self):
        return self.number < len(self.steps)

    @property
    def nav(self):
        return [(n, n - 1 <= self.open_until) for n in range(1, len(self.steps) + 1)]

    @property
    def next_query(self):
        """The query that opens the next step on the step-by-step page."""
        return f"?step={self.number + 1}"


def step_by_step_state(learner, lesson, commits: dict, requested: int | None) -> StepByStep:
    steps = list(lesson.steps.all())
    read = set()
    if learner is not None:
        read = set(
            StepRead.objects.filter(learner=learner, step__lesson=lesson).values_list(
                "step_id", flat=True
            )
        )
    done = [(ItemKind.STEP, s.pk) in commits if s.has_prediction else s.pk in read for s in steps]
    reachable = scoring.open_until(done)
    index = reachable if requested is None else min(requested - 1, reachable)
    return StepByStep(steps=steps, done=done, index=max(0, min(index, len(steps) - 1)))


@dataclass
class MythRound:
    myths: list
    commits: dict
    index: int

    @property
    def myth(self):
        return self.myths[self.index] if self.index < len(self.myths) else None

    @property
    def number(self):
        return self.index + 1

    @property
    def score(self) -> scoring.RoundScore:
        return scoring.round_score(
            c.correct if (c := self.commits.get((ItemKind.MYTH, m.pk))) else None
            for m in self.myths
        )

    @property
    def finished(self):
        return self.myth is None

    @property
    def next_query(self):
        """The query that opens the next myth, or the summary after the last one."""
        return f"?n={self.number + 1}"


def myth_round_state(lesson, commits: dict, requested: int | None) -> MythRound:
    myths = list(lesson.myths.all())
    if requested is not None:
        index = requested - 1
    else:
        index = next(
            (i for i, m in enumerate(myths) if (ItemKind.MYTH, m.pk) not in commits), len(myths)
        )
    return MythRound(myths=myths, commits=commits, index=index)


def pitfall_score(lesson, commits: dict) -> scoring.RoundScore:
    """The pitfall spotter's score."""
    return scoring.round_score(
        c.correct if (c := commits.get((ItemKind.PITFALL, p.pk))) else None
        for p in lesson.pitfalls.all()
    )


@dataclass
class Deck:
    cards: list
    schedules: dict
    card: object
    due: int
    new: int


def deck_state(learner, lesson, now, commits) -> Deck:
    """The learner's flashcards on a lesson; ``commits`` as in ``LessonState.commits``."""
    cards = cards_offered(cards_for(lesson), commits)
    schedules = {}
    if learner is not None:
        schedules = {
            s.card_key: s for s in CardSchedule.objects.filter(learner=learner, lesson=lesson)
        }
    return Deck(
        cards=cards,
        schedules=schedules,
        card=next_card(cards, schedules, now),
        due=sum(1 for c in cards if (s := schedules.get(c.key)) and s.due <= now),
        new=sum(1 for c in cards if c.key not in schedules),
    )


@dataclass
class ReviewQueue:
    due: list[CardSchedule]
    card: object = None
    lesson: Lesson | None = None


def review_state(learner, now) -> ReviewQueue:
    """Every card due now across published lessons, most overdue first, and the first one.

    A card the lesson still hides from the learner (see ``cards_offered``) is left out.
    """
    if learner is None:
        return ReviewQueue(due=[])
    due = list(
        CardSchedule.objects.filter(learner=learner, due__lte=now, lesson__published=True)
        .select_related("lesson")
        .order_by("due")
    )
    if not due:
        return ReviewQueue(due=[])
    lesson_ids = {s.lesson_id for s in due}
    commits = {pk: set() for pk in lesson_ids}
    for commit in Commit.objects.filter(learner=learner, lesson_id__in=lesson_ids, attempt=None):
        commits[commit.lesson_id].add((commit.kind, commit.item_id))
    cards = {
        lesson.pk: (
            lesson,
            {c.key: c for c in cards_offered(cards_for(lesson), commits[lesson.pk])},
        )
        for lesson in Lesson.objects.with_content().filter(pk__in=lesson_ids)
    }
    due = [s for s in due if s.card_key in cards[s.lesson_id][1]]
    if not due:
        return ReviewQueue(due=[])
    lesson, offered = cards[due[0].lesson_id]
    return ReviewQueue(due=due, card=offered[due[0].card_key], lesson=lesson)
