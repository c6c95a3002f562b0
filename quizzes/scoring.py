"""Pure rules for scores and progress: plain values in, plain values out, no database.

Percent complete (shown on the lesson page, the catalog and "My learning"):
    A lesson's checkpoints are its step predictions, its myths and its practice
    questions. Each counts once when the learner has committed to it: a prediction or a
    myth once answered, a practice question once answered in any attempt. Percent
    complete is the share of checkpoints done, rounded down, so 100 means every one is
    done. A lesson with no checkpoints is complete as soon as it is started.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from lessons.models import Difficulty

from .models import Verdict


@dataclass(frozen=True)
class Checkpoints:
    predictions_done: int
    predictions_total: int
    myths_done: int
    myths_total: int
    practice_done: int
    practice_total: int

    @property
    def done(self) -> int:
        return self.predictions_done + self.myths_done + self.practice_done

    @property
    def total(self) -> int:
        return self.predictions_total + self.myths_total + self.practice_total


def percent_complete(checkpoints: Checkpoints, *, started: bool) -> int:
    if checkpoints.total == 0:
        return 100 if started else 0
    done = min(checkpoints.done, checkpoints.total)
    return 100 * done // checkpoints.total


def attempt_score(first_answers_correct: list[bool]) -> int:
    """An attempt's score: its first answers that were right (unanswered count as wrong)."""
    return sum(1 for correct in first_answers_correct if correct)


def resume_anchor(*, open_steps: list[int], open_myths: list[int], practice_left: bool) -> str:
    """Where to pick the lesson up: the first checkpoint not yet done, in page order."""
    if open_steps:
        return f"step-{open_steps[0]}"
    if open_myths:
        return f"myth-{open_myths[0]}"
    if practice_left:
        return "practice"
    return ""


# The pattern test ----------------------------------------------------------------------

DIFFICULTIES = (Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD)

# Verdict rule: each question weighs by difficulty (easy 1, medium 2, hard 3). The share
# of the total weight answered right gives the verdict: 80 % or more is "strong", 50 % or
# more is "almost", below that "needs-work". Unanswered questions count as wrong.
WEIGHTS = {Difficulty.EASY: 1, Difficulty.MEDIUM: 2, Difficulty.HARD: 3}
STRONG_SHARE = 0.8
ALMOST_SHARE = 0.5
# How strong each verdict is; an absent verdict ranks below all of them.
VERDICT_RANK = {Verdict.NEEDS_WORK: 1, Verdict.ALMOST: 2, Verdict.STRONG: 3}


def draw(pool: dict[str, list[int]], size: int, rng) -> list[int]:
    """A balanced, shuffled draw of ``size`` question ids from a pool keyed by difficulty.

    Each difficulty gets an equal share; a share a difficulty cannot fill, and the
    remainder of the division, go to the difficulties with the most questions left.
    """
    available = {d: list(ids) for d, ids in pool.items() if ids}
    size = min(size, sum(len(ids) for ids in available.values()))
    quota = dict.fromkeys(available, 0)
    while sum(quota.values()) < size:
        open_ = [d for d in available if quota[d] < len(available[d])]
        share = max(1, (size - sum(quota.values())) // len(open_))
        for difficulty in sorted(open_, key=lambda d: len(available[d]) - quota[d], reverse=True):
            take = min(share, len(available[difficulty]) - quota[difficulty])
            take = min(take, size - sum(quota.values()))
            quota[difficulty] += take
    chosen = [qid for d in available for qid in rng.sample(available[d], quota[d])]
    rng.shuffle(chosen)
    return chosen


def weighted_share(results: list[tuple[str, bool]]) -> float:
    total = sum(WEIGHTS[difficulty] for difficulty, _ in results)
    right = sum(WEIGHTS[difficulty] for difficulty, correct in results if correct)
    return right / total if total else 0.0


def verdict(results: list[tuple[str, bool]]) -> Verdict:
    """The verdict for a finished test, from (difficulty, answered right) per question."""
    share = weighted_share(results)
    if share >= STRONG_SHARE:
        return Verdict.STRONG
    if share >= ALMOST_SHARE:
        return Verdict.ALMOST
    return Verdict.NEEDS_WORK


def breakdown(results: list[tuple[str, bool]]) -> list[tuple[str, int, int]]:
    """(difficulty, right, asked) for each difficulty that was asked, easiest first."""
    rows = []
    for difficulty in DIFFICULTIES:
        asked = [correct for d, correct in results if d == difficulty]
        if asked:
            rows.append((difficulty, sum(asked), len(asked)))
    return rows


def best_verdict(verdicts: list[str]) -> str:
    return max(verdicts, key=VERDICT_RANK.__getitem__, default="")


def verdict_meets(best: str, minimum: str) -> bool:
    """Whether a best verdict of ``best`` satisfies a requirement of ``minimum``."""
    if not minimum:
        return True
    return VERDICT_RANK.get(best, 0) >= VERDICT_RANK[minimum]


# Rounds (practice, myth busters, pitfall spotter) ----------------------------------------


@dataclass(frozen=True)
class RoundScore:
    """A round's running score: answers right, items answered, items in the round."""

    right: int
    answered: int
    total: int


def round_score(answers: Iterable[bool | None]) -> RoundScore:
    """The score of a round from each item's answer: right, wrong, or None if unanswered."""
    answers = list(answers)
    return RoundScore(
        right=sum(1 for a in answers if a),
        answered=sum(1 for a in answers if a is not None),
        total=len(answers),
    )


def open_until(done: list[bool]) -> int:
    """In step-by-step mode, the index of the furthest step a learner may open."""
    for index, finished in enumerate(done):
        if not finished:
            return index
    return max(0, len(done) - 1)


def week_streak(active_weeks: set, this_week) -> int:
    """Consecutive active weeks up to now. The current week never breaks a streak: until
    the learner is active this week, the streak counts up to last week."""
    week = this_week if this_week in active_weeks else this_week - timedelta(weeks=1)
    streak = 0
    while week in active_weeks:
        streak += 1
        week -= timedelta(weeks=1)
    return streak
