"""The items a learner can commit to, seen through one interface.

Each kind says where its items are in a lesson's cached content, what the options are
and which option is right. Everything else about a commit (recording it once, refusing a
second, revealing, progress) is the same for every kind and lives in ``quizzes.services``.
"""

from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from lessons.cache import lesson_part
from lessons.models import Lesson

from .models import ItemKind


@dataclass(frozen=True)
class Option:
    key: str
    label: str


class ItemType:
    kind: str

    part: str  # where the lesson's content lists the items of this kind

    def find(self, lesson: Lesson, pk: int):
        """The lesson's item ``pk`` of this kind, from its cached content, or None."""
        return lesson_part(lesson, self.part, pk)

    def options(self, item) -> list[Option]:
        raise NotImplementedError

    def offers(self, item, key: str) -> bool:
        """Whether ``key`` is one of the item's options."""
        return any(option.key == key for option in self.options(item))

    def is_correct(self, item, key: str) -> bool:
        raise NotImplementedError


class StepPrediction(ItemType):
    kind = ItemKind.STEP
    part = "steps"

    def find(self, lesson, pk):
        step = super().find(lesson, pk)
        return step if step is not None and step.prediction_prompt else None

    def options(self, item):
        return [Option(str(o.pk), o.text) for o in item.options.all()]

    def is_correct(self, item, key):
        return any(str(o.pk) == key and o.is_expected for o in item.options.all())


class MythAnswer(ItemType):
    kind = ItemKind.MYTH
    part = "myths"

    def options(self, item):
        return [Option("yes", "Yes"), Option("no", "No")]

    def is_correct(self, item, key):
        return (key == "yes") == item.true_answer


class QuestionChoice(ItemType):
    kind = ItemKind.QUESTION
    part = "practice_questions"

    def options(self, item):
        return [Option(str(c.pk), c.text) for c in item.choices.all()]

    def is_correct(self, item, key):
        return any(str(c.pk) == key and c.is_correct for c in item.choices.all())


class PitfallPick(ItemType):
    """The learner picks which of two approaches is the wrong one.

    The options' keys are keyed hashes of the pitfall and its side, so the markup says
    nothing about which key is the wrong approach, and a key from one pitfall is no
    option of another. The order they are shown in is shuffled per learner the same way.
    """

    kind = ItemKind.PITFALL
    part = "pitfalls"
    SALT = "quizzes.items.PitfallPick"

    def _key(self, item, side: str) -> str:
        return salted_hmac(self.SALT, f"{item.pk}:{side}", algorithm="sha256").hexdigest()[:16]

    def options(self, item):
        return [
            Option(self._key(item, "wrong"), item.wrong),
            Option(self._key(item, "correct"), item.correct),
        ]

    def is_correct(self, item, key):
        return constant_time_compare(key, self._key(item, "wrong"))

    def shown(self, item, seed) -> list[Option]:
        """The two options in the order one learner (``seed``) always sees them."""
        return sorted(
            self.options(item),
            key=lambda option: salted_hmac(
                self.SALT, f"{seed}:{option.key}", algorithm="sha256"
            ).hexdigest(),
        )


ITEM_TYPES: dict[str, ItemType] = {
    t.kind: t for t in (StepPrediction(), MythAnswer(), QuestionChoice(), PitfallPick())
}
