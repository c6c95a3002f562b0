"""Flashcards in a lesson's deck and the learner's queue of cards due for review."""

from dataclasses import dataclass

from lessons.cards import cards_for
from lessons.models import Lesson

from .flashcards import cards_offered, next_card
from .models import (
    CardSchedule,
    Commit,
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
