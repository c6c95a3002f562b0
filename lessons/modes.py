"""The ten learning modes: ways through one lesson's content, never copies of it.

Estimated minutes per mode are computed from the content the mode shows:
    reading at 200 words a minute, plus one minute per prediction and practice
    question, half a minute per myth and pitfall pick, a minute per pattern-test
    question and a quarter minute per flashcard, rounded up, one minute at least.
"""

import math
import re
from dataclasses import dataclass

WORDS_PER_MINUTE = 200
SECONDS = {"prediction": 60, "myth": 30, "pitfall": 30, "practice": 60, "test": 60, "card": 15}


@dataclass(frozen=True)
class Mode:
    slug: str
    name: str
    description: str


MODES = [
    Mode("deep-dive", "Deep Dive", "Every section in order."),
    Mode("step-by-step", "Step by step", "One build-up step at a time, gated by its prediction."),
    Mode("overview", "Quick overview", "What it is, the core idea and the takeaways."),
    Mode("mental-model", "Mental model", "The analogy, the diagrams and how it works underneath."),
    Mode("myths", "Myth busters", "Answer each myth, then see the reality; keep score."),
    Mode("pitfalls", "Pitfall spotter", "Spot the wrong approach, then see the root cause."),
    Mode("flashcards", "Flashcards", "Insights, takeaways and nuances, spaced for memory."),
    Mode("practice", "Practice", "Questions with hints and worked solutions."),
    Mode("test", "Pattern test", "Ten questions and a verdict on how strong the pattern is."),
    Mode("expert", "Expert & production", "Nuances, limits, production use and connections."),
]
BY_SLUG = {mode.slug: mode for mode in MODES}


def words(*texts: str) -> int:
    return sum(len(re.findall(r"\w+", text or "")) for text in texts)


def _minutes(word_count: int, **items: int) -> int:
    seconds = word_count * 60 / WORDS_PER_MINUTE
    seconds += sum(SECONDS[kind] * count for kind, count in items.items())
    return max(1, math.ceil(seconds / 60))


def deep_dive_minutes(lesson) -> int:
    """The lesson's minutes wherever one figure stands for it (catalog, header): its Deep
    Dive, every section in order. The lesson's content is already fetched."""
    return mode_minutes(lesson, cards=0, test_questions=0)["deep-dive"]


def mode_minutes(lesson, *, cards: int, test_questions: int) -> dict[str, int]:
    """Estimated minutes for each mode of a lesson whose content is already fetched."""
    steps = list(lesson.steps.all())
    myths = list(lesson.myths.all())
    pitfalls = list(lesson.pitfalls.all())
    practice = list(lesson.practice_questions)
    overview = words(lesson.what_is_it, lesson.why_it_matters, lesson.where_it_fits)
    core = words(lesson.core_idea, *(t.text for t in lesson.takeaways.all()))
    mental = words(lesson.analogy, lesson.how_it_works, lesson.why_designed)
    expert = words(
        lesson.when_not_to_use,
        lesson.production_patterns,
        *(n.text for n in lesson.nuances.all()),
        *(c.relation + " " + c.insight for c in lesson.connections.all()),
    )
    step_words = words(
        *(s.concept + " " + s.body + " " + s.result + " " + s.insight for s in steps)
    )
    myth_words = words(*(m.question + " " + m.reality + " " + m.why_it_matters for m in myths))
    pitfall_words = words(*(p.wrong + " " + p.correct + " " + p.root_cause for p in pitfalls))
    practice_words = words(*(q.stem for q in practice))
    predictions = sum(1 for s in steps if s.prediction_prompt)
    return {
        "deep-dive": _minutes(
            overview + core + mental + expert + step_words + myth_words + pitfall_words
            + practice_words,
            prediction=predictions, myth=len(myths), practice=len(practice),
        ),
        "step-by-step": _minutes(step_words, prediction=predictions),
        "overview": _minutes(overview + core),
        "mental-model": _minutes(core + mental),
        "myths": _minutes(myth_words, myth=len(myths)),
        "pitfalls": _minutes(pitfall_words, pitfall=len(pitfalls)),
        "flashcards": _minutes(0, card=cards),
        "practice": _minutes(practice_words, practice=len(practice)),
        "test": _minutes(0, test=test_questions),
        "expert": _minutes(expert),
    }  # fmt: skip
