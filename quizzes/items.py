"""The kinds of item a learner can commit to: one class each, and all a kind means.

A kind says where its items are in a lesson's cached content, what the options are
(opaque keys), which is right, which partial shows an item, where an item sits on a page
(its anchor and the query that opens it, the one source of every link to it), what its
reveal shows and which walk's figures a commit changes. Views, services and templates ask
the kind and never branch on it; recording a commit once, refusing a second and progress
are the same for every kind and live in ``quizzes.services``. Defining a subclass with a
``kind`` registers it in ``ITEM_TYPES``.
"""

from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from lessons.cache import lesson_part, lesson_with_content
from lessons.models import Lesson, Myth, Pitfall, Question, QuestionKind, Step

from .models import ItemKind

ITEM_TYPES: dict[str, "ItemType"] = {}


@dataclass(frozen=True)
class Option:
    key: str
    label: str


class ItemType:
    kind: str  # the URL segment and the key in ITEM_TYPES
    stored: str = ""  # the Commit.kind value and column holding the item; ``kind`` if empty
    part: str  # where the lesson's content lists the items of this kind
    model = None  # the lesson model of the items, so templates can ask for their commits
    partial: str  # the template partial that shows one item, its form or its reveal
    position = ""  # the query parameter that opens an item on its page
    walk_partials: tuple[str, ...] = ()  # a walk's figures a commit changes, sent out of band
    walk_mode = ""  # the mode whose page shows those figures
    in_attempt = False  # whether a commit belongs to an attempt (and one per attempt)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            ITEM_TYPES[cls.kind] = cls()

    @property
    def column(self) -> str:
        return self.stored or self.kind

    def anchor(self, item) -> str:
        """The id of the item's card on its page."""
        return f"{self.kind}-{item.order}"

    def query(self, item, context: dict) -> str:
        """The query string that opens ``item`` on its page, without the ``?``."""
        return f"{self.position}={item.order}" if self.position else ""

    def open_attempt(self, *, learner, lesson):
        """The attempt a commit to this kind belongs to; None for a standalone commit."""
        return None

    def reveal(self, *, learner, lesson, item, commit) -> dict:
        """What the item's partial needs to show the item revealed."""
        return {self.kind: item, "commit": commit}

    def walk(self, *, learner, lesson, item) -> dict:
        """The figures on the kind's walk page that a commit to ``item`` changed."""
        return {}

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
    model = Step
    partial = "quizzes/items.html#step"
    position = "step"
    walk_partials = ("quizzes/walks.html#step-nav", "quizzes/walks.html#step-next")
    walk_mode = "step-by-step"

    def walk(self, *, learner, lesson, item):
        from .state import lesson_state  # the read models build on the services
        from .walks import step_by_step_state

        commits = lesson_state(learner, lesson).commits
        return {"walk": step_by_step_state(learner, lesson, commits, item.order)}

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
    model = Myth
    partial = "quizzes/items.html#myth"
    position = "n"
    walk_partials = ("quizzes/walks.html#myth-position",)
    walk_mode = "myths"

    def walk(self, *, learner, lesson, item):
        from .state import lesson_state
        from .walks import myth_round_state

        commits = lesson_state(learner, lesson).commits
        return {"round": myth_round_state(lesson, commits, item.order)}

    def options(self, item):
        return [Option("yes", "Yes"), Option("no", "No")]

    def is_correct(self, item, key):
        return (key == "yes") == item.true_answer


class QuestionChoice(ItemType):
    kind = ItemKind.QUESTION
    part = "practice_questions"
    model = Question
    partial = "quizzes/items.html#practice-card"
    position = "q"
    in_attempt = True

    def anchor(self, item):
        return "practice"

    def query(self, item, context):
        return f"q={context['practice'].number}"

    def open_attempt(self, *, learner, lesson):
        from .services import attempt_current

        return attempt_current(learner=learner, lesson=lesson, kind=QuestionKind.PRACTICE)

    def reveal(self, *, learner, lesson, item, commit):
        from .practice import practice_state

        questions = lesson_with_content(lesson).practice_questions
        number = next(i for i, q in enumerate(questions, start=1) if q.pk == item.pk)
        return {"practice": practice_state(learner, lesson, questions, number)}

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
    model = Pitfall
    partial = "quizzes/items.html#pitfall"
    walk_partials = ("quizzes/walks.html#pitfall-score",)
    walk_mode = "pitfalls"
    SALT = "quizzes.items.PitfallPick"

    def walk(self, *, learner, lesson, item):
        from .state import lesson_state
        from .walks import pitfall_score

        return {"score": pitfall_score(lesson, lesson_state(learner, lesson).commits)}

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


def kind_of(model) -> ItemType:
    """The kind whose items are rows of ``model``."""
    return next(t for t in ITEM_TYPES.values() if t.model is model)
