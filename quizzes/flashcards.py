"""Spaced repetition for flashcards, scheduled by FSRS (the ``fsrs`` package)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from lessons.cards import CardSpec

from .models import CardReview, CardSchedule, Learner
from .sql import learner_lock

_scheduler = Scheduler(enable_fuzzing=False)


def card_review(
    *, learner: Learner, lesson, card: CardSpec, rating: int, now: datetime | None = None
) -> CardSchedule:
    """Rate a card (1 Again, 2 Hard, 3 Good, 4 Easy) and schedule its next review."""
    now = now or timezone.now()
    with transaction.atomic():
        learner_lock(learner.pk)
        schedule = CardSchedule.objects.filter(learner=learner, card_key=card.key).first()
        state = Card.from_dict(schedule.fsrs) if schedule else Card(due=now)
        state, _ = _scheduler.review_card(state, Rating(rating), review_datetime=now)
        if schedule is None:
            schedule = CardSchedule(learner=learner, lesson=lesson, card_key=card.key)
        schedule.fsrs = state.to_dict()
        schedule.due = state.due
        schedule.reviews += 1
        schedule.last_rating = rating
        schedule.last_review = now
        schedule.save()
        CardReview.objects.create(learner=learner, lesson=lesson, card_key=card.key, rating=rating)
    return schedule


def cards_offered(cards: list[CardSpec], commits) -> list[CardSpec]:
    """The cards a learner may study: none shows what a reveal still hides from them.

    ``commits`` holds ``(kind, item_id)`` of the learner's commits on the cards' lesson;
    a card hidden until an item's commit is offered once that commit exists.
    """
    done = {(str(kind), pk) for kind, pk in commits}
    return [c for c in cards if c.hidden_until is None or c.hidden_until in done]


def next_card(cards: list[CardSpec], schedules: dict[str, CardSchedule], now: datetime):
    """The card to study now: the most overdue one, else a new one; None when all wait."""
    due = sorted((s.due, c.key) for c in cards if (s := schedules.get(c.key)) and s.due <= now)
    if due:
        return next(c for c in cards if c.key == due[0][1])
    return next((c for c in cards if c.key not in schedules), None)
