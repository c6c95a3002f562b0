"""What a learner has done on a lesson, read in a fixed number of queries for a page."""

from dataclasses import dataclass

from lessons.models import Lesson

from .models import (
    Commit,
    Learner,
    LessonProgress,
)


@dataclass
class LessonState:
    commits: dict[tuple[str, int], Commit]
    progress: LessonProgress | None

    def commit_for(self, kind: str, pk: int) -> Commit | None:
        return self.commits.get((kind, pk))


def lesson_state(learner: Learner | None, lesson: Lesson) -> LessonState:
    """The learner's standalone commits (predictions, myths, pitfalls) and progress."""
    if learner is None:
        return LessonState(commits={}, progress=None)
    commits = Commit.objects.filter(learner=learner, lesson=lesson, attempt=None)
    return LessonState(
        commits={(c.kind, c.item_id): c for c in commits},
        progress=LessonProgress.objects.filter(learner=learner, lesson=lesson).first(),
    )
