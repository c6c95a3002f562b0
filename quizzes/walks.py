"""The walks through one kind of item: step by step, myth busters, pitfall spotter."""

from dataclasses import dataclass

from . import scoring
from .models import (
    ItemKind,
    StepRead,
)


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
