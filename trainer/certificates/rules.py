"""When a certificate is earned: plain values in, plain values out, no database.

A learner earns a certificate for a lesson when all of these hold:
    - they have an account (a certificate names a person; an anonymous learner earns
      theirs once they sign up or log in and their record moves into the account);
    - the lesson is complete (``LessonProgress.completed_at`` is set);
    - a pattern-test attempt of theirs is finished with every question answered and a
      verdict at or above ``CERTIFICATE_MINIMUM_VERDICT`` (Strong unless configured;
      strong > almost there > needs work). A test finished with questions left
      unanswered never counts, whatever its verdict.

The certificate records the first qualifying attempt: its verdict, and as the day it was
earned the later of the lesson's completion and that attempt's end. It is issued once per
learner and lesson; a better verdict later does not change it.

One site-wide bar rather than each team's assignment minimum: a certificate is a public
claim read by people who know nothing of the learner's teams, so it must mean the same
thing for everyone.
"""

from dataclasses import dataclass
from datetime import datetime

from quizzes.scoring import verdict_meets


@dataclass(frozen=True)
class FinishedTest:
    verdict: str
    finished_at: datetime
    answered: int
    asked: int


@dataclass(frozen=True)
class Earned:
    verdict: str
    earned_at: datetime


def earned(
    *, has_account: bool, completed_at: datetime | None, tests: list[FinishedTest], minimum: str
) -> Earned | None:
    """What the certificate records, or None while the learner has not earned one."""
    if not has_account or completed_at is None:
        return None
    passed = [
        t
        for t in tests
        if t.verdict and t.answered >= t.asked > 0 and verdict_meets(t.verdict, minimum)
    ]
    if not passed:
        return None
    first = min(passed, key=lambda t: t.finished_at)
    return Earned(verdict=first.verdict, earned_at=max(completed_at, first.finished_at))
