"""The flashcards of a lesson: drawn from its content, plus the ones instructors add.

A card's key names its source ("insight:12", "takeaway:3", "nuance:7", "card:5"), so a
learner's schedule for it survives edits to the text and follows the card if it moves.
A card made from content the lesson hides until a commit (a step's insight, when the step
asks for a prediction) names that item in ``hidden_until``, so it is not offered before.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CardSpec:
    key: str
    kind: str
    front: str
    back: str
    hidden_until: tuple[str, int] | None = None  # (item kind, pk) whose commit reveals it


def cards_for(lesson) -> list[CardSpec]:
    """Every card of a lesson whose content is fetched (``Lesson.objects.with_content``)."""
    cards = [
        CardSpec(
            f"insight:{s.pk}",
            "Key insight",
            f"What is the key insight of “{s.title}”?",
            s.insight,
            hidden_until=("step", s.pk) if s.has_prediction else None,
        )
        for s in lesson.steps.all()
        if s.insight
    ]
    takeaways = list(lesson.takeaways.all())
    cards += [
        CardSpec(
            f"takeaway:{t.pk}",
            "Key takeaway",
            f"Key takeaway {n} of {len(takeaways)}: recall it.",
            t.text,
        )
        for n, t in enumerate(takeaways, start=1)
    ]
    nuances = list(lesson.nuances.all())
    cards += [
        CardSpec(
            f"nuance:{n.pk}",
            "Expert nuance",
            f"Expert nuance {i} of {len(nuances)}: what is it?",
            n.text,
        )
        for i, n in enumerate(nuances, start=1)
    ]
    cards += [CardSpec(f"card:{c.pk}", "Card", c.front, c.back) for c in lesson.flashcards.all()]
    return cards
