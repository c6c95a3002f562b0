"""The shipped IAM lesson's questions measure IAM knowledge, not test-taking habits.

Every figure is computed from the shipped file itself, so an edit that brings back a
pattern a learner could exploit without reading (the right option is the longest, sits
at the same position, myths are always "No"...) fails here before it reaches learners.
"""

import random
import re
from collections import Counter
from html import unescape

import pytest
import yaml
from django.utils.html import strip_tags

from lessons.management.commands.load_lessons import SHIPPED
from lessons.markdown import render_inline
from lessons.models import QuestionKind
from lessons.validation import final_answer_problems
from quizzes import scoring
from quizzes.services import TEST_SIZE

DOCUMENT = yaml.safe_load((SHIPPED / "iam-best-practices.yaml").read_text(encoding="utf-8"))
SEEDS = range(2000)


def visible(markdown: str) -> str:
    """The text a learner reads once the Markdown is rendered, whitespace collapsed."""
    return " ".join(unescape(strip_tags(render_inline(markdown))).split())


def normal(markdown: str) -> str:
    return visible(markdown).casefold().rstrip(".")


def items() -> list[tuple[str, list[str], int]]:
    """(label, option texts, index of the right one) for every prediction and question."""
    found = []
    for number, step in enumerate(DOCUMENT["steps"], start=1):
        if prediction := step.get("prediction"):
            options = prediction["options"]
            right = next(i for i, o in enumerate(options) if o.get("expected"))
            found.append((f"step {number} prediction", [o["text"] for o in options], right))
    for kind in ("practice", "test"):
        for number, question in enumerate(DOCUMENT[kind], start=1):
            choices = question["choices"]
            right = next(i for i, c in enumerate(choices) if c.get("correct"))
            found.append((f"{kind} {number}", [c["text"] for c in choices], right))
    return found


def questions() -> list[tuple[str, dict]]:
    return [
        (f"{kind} {number}", question)
        for kind in ("practice", "test")
        for number, question in enumerate(DOCUMENT[kind], start=1)
    ]


def right_is_strictly(extreme, options: list[str], right: int) -> bool:
    """Whether the right option is strictly the longest (``max``) or shortest (``min``)."""
    lengths = [len(visible(text)) for text in options]
    others = [length for i, length in enumerate(lengths) if i != right]
    return lengths[right] == extreme(lengths) and lengths[right] not in others


@pytest.mark.parametrize("extreme", [max, min], ids=["longest", "shortest"])
def test_shipped_lesson_right_option_is_rarely_the_longest_or_shortest(extreme):
    """At most 40 % of predictions and questions have their right option strictly the
    longest, and (so that the fix is not the opposite habit) at most 40 % the shortest."""
    all_items = items()
    marked = [
        label for label, options, right in all_items if right_is_strictly(extreme, options, right)
    ]
    assert len(marked) / len(all_items) <= 0.4, marked


def test_shipped_lesson_right_positions_are_spread():
    """No position holds the right option in more than half of the items, in any set."""
    all_items = items()
    for prefix in ("step", "practice", "test", ""):
        chosen = [right for label, _, right in all_items if label.startswith(prefix)]
        position, count = Counter(chosen).most_common(1)[0]
        assert count <= len(chosen) / 2, (prefix or "all", position, count, len(chosen))


def test_shipped_lesson_predictions_do_not_always_expect_the_second_option():
    expected = [right for label, _, right in items() if label.startswith("step")]
    assert len(set(expected)) > 1
    assert expected.count(1) < len(expected)


def test_shipped_lesson_myth_answers_are_not_all_alike():
    """Answering every myth "No" (or every myth "Yes") cannot score them all."""
    answers = Counter(myth["answer"] for myth in DOCUMENT["myths"])
    assert answers[True] >= 1
    assert answers[False] >= 1


def test_shipped_lesson_test_pool_is_large_and_balanced():
    """At least 30 pattern-test questions, at least 8 of each difficulty."""
    difficulties = Counter(question["difficulty"] for question in DOCUMENT["test"])
    assert sum(difficulties.values()) >= 30
    for difficulty in scoring.DIFFICULTIES:
        assert difficulties[difficulty] >= 8, difficulties


def test_shipped_lesson_test_questions_each_teach_a_part_and_carry_no_hint():
    """A test question links to the part of the lesson that teaches it and, its hint
    never being shown, has none; its solution and final answer are written out."""
    parts = {
        "step": len(DOCUMENT["steps"]),
        "myth": len(DOCUMENT["myths"]),
        "pitfall": len(DOCUMENT["pitfalls"]),
    }
    for number, question in enumerate(DOCUMENT["test"], start=1):
        kind, part = re.fullmatch(r"(step|myth|pitfall) (\d+)", question["teaches"]).groups()
        assert 1 <= int(part) <= parts[kind], (number, question["teaches"])
        assert not question.get("hint"), number
        assert question["final_answer"].strip(), number
        assert question["solution"], number


def test_shipped_lesson_hints_do_not_give_the_answer_away():
    """No hint contains the text of its question's right option."""
    for label, question in questions():
        hint = normal(question.get("hint") or "")
        right = next(c["text"] for c in question["choices"] if c.get("correct"))
        assert normal(right) not in hint, label


def test_shipped_lesson_final_answers_name_no_letter():
    """Choices are shuffled (test now, practice soon), so no final answer says "B"."""
    for label, question in questions():
        assert final_answer_problems(question["final_answer"], kind=QuestionKind.TEST) == [], label


def test_shipped_lesson_repeats_no_stem_or_option():
    """Every stem, prompt and option is its own text: none repeats another anywhere."""
    texts = [
        normal(step["prediction"]["prompt"]) for step in DOCUMENT["steps"] if step.get("prediction")
    ]
    texts += [normal(question["stem"]) for _, question in questions()]
    for _, options, _ in items():
        texts += [normal(text) for text in options]
    repeated = [text for text, count in Counter(texts).items() if count > 1]
    assert repeated == []


# A learner who answers without reading ----------------------------------------------


def pick_longest(shown: list[str]) -> int:
    lengths = [len(visible(text)) for text in shown]
    return lengths.index(max(lengths))


def pick_shortest(shown: list[str]) -> int:
    lengths = [len(visible(text)) for text in shown]
    return lengths.index(min(lengths))


def pick_no(shown: list[str]) -> int:
    """Answer "No" whenever a choice says so, otherwise the first choice shown."""
    return next((i for i, text in enumerate(shown) if re.match(r"no\b", visible(text), re.I)), 0)


def position(n: int):
    return lambda shown: min(n, len(shown) - 1)


STRATEGIES = {
    "always the longest": pick_longest,
    "always the shortest": pick_shortest,
    'always "No"': pick_no,
    **{f"always position {n + 1}": position(n) for n in range(4)},
}


def blind_attempt(strategy, rng: random.Random) -> list[tuple[str, bool]]:
    """One pattern test drawn and shown as the service does, answered by ``strategy``."""
    test = DOCUMENT["test"]
    pool: dict[str, list[int]] = {}
    for index, question in enumerate(test):
        pool.setdefault(question["difficulty"], []).append(index)
    results = []
    for index in scoring.draw(pool, TEST_SIZE, rng):
        choices = list(test[index]["choices"])
        rng.shuffle(choices)
        picked = choices[strategy([choice["text"] for choice in choices])]
        results.append((test[index]["difficulty"], bool(picked.get("correct"))))
    return results


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_pattern_test_blind_strategies_score_below_almost_there(strategy):
    """Always picking the longest (or shortest) option, "No", or one position averages below "Almost
    there" (the weighted share the verdict needs) over many draws of the shipped pool."""
    rng = random.Random(16)
    attempts = [blind_attempt(STRATEGIES[strategy], rng) for _ in SEEDS]
    mean_share = sum(scoring.weighted_share(results) for results in attempts) / len(attempts)
    assert mean_share < scoring.ALMOST_SHARE, mean_share
    verdicts = Counter(scoring.verdict(results) for results in attempts)
    assert verdicts["needs-work"] > len(attempts) / 2, verdicts
