"""Pure rules for scores and progress: plain values in, plain values out, no database.

Percent complete (shown on the lesson page, the catalog and "My learning"):
    A lesson's checkpoints are its step predictions, its myths and its practice
    questions. Each counts once when the learner has committed to it: a prediction or a
    myth once answered, a practice question once answered in any attempt. Percent
    complete is the share of checkpoints done, rounded down, so 100 means every one is
    done. A lesson with no checkpoints is complete as soon as it is started.
"""

from dataclasses import dataclass


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
