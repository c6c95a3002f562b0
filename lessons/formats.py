"""The lesson file format (docs/lesson-format.md): validate, load and export.

Validation walks the whole document first and reports every problem with its field path;
only a document without errors is written, inside one transaction. Loading a lesson that
already exists updates its rows in place, matched by slug and then by position, so row
ids (and whatever refers to them) survive a reload.
"""

import re
from dataclasses import dataclass, field

import yaml

from .models import (
    Difficulty,
    Level,
    QuestionKind,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TEACHES_RE = re.compile(r"^(step|myth|pitfall) ([1-9][0-9]*)$")
MAX_TEXT = 20_000


class LessonFormatError(Exception):
    """A lesson document does not follow the format; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class _Checker:
    errors: list[str] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def mapping(self, data, path: str, required: set[str], optional: set[str] = frozenset()):
        if not isinstance(data, dict):
            self.error(path or "(document)", "must be a mapping")
            return {}
        for key in sorted(required - data.keys()):
            self.error(_join(path, key), "is required")
        for key in sorted(set(data) - required - optional, key=str):
            self.error(_join(path, str(key)), "is not a known field")
        return data

    def text(self, data: dict, key: str, path: str, *, required=True, max_length=MAX_TEXT):
        value = data.get(key)
        where = _join(path, key)
        if value is None:
            if required and key in data:
                self.error(where, "must not be empty")
            return ""
        if not isinstance(value, str):
            self.error(where, "must be text")
            return ""
        if required and not value.strip():
            self.error(where, "must not be empty")
        if len(value) > max_length:
            self.error(where, f"is longer than {max_length} characters")
        if "\x00" in value:
            self.error(where, "contains a NUL character")
        return value

    def items(self, data: dict, key: str, path: str, *, minimum=0):
        value = data.get(key, [])
        where = _join(path, key)
        if value is None:
            value = []
        if not isinstance(value, list):
            self.error(where, "must be a list")
            return []
        if len(value) < minimum:
            self.error(where, f"needs at least {minimum} item{'s' if minimum > 1 else ''}")
        return value

    def choice(self, data: dict, key: str, path: str, allowed) -> None:
        value = data.get(key)
        if value not in allowed.values:
            self.error(_join(path, key), f"must be one of {', '.join(allowed.values)}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate(data) -> list[str]:
    """Every problem in a lesson document, as ``field.path: message`` strings."""
    c = _Checker()
    lesson = c.mapping(
        data,
        "",
        required={"slug", "title", "category", "steps"},
        optional={
            "subtitle", "estimated_minutes", "published", "overview", "mental_model",
            "under_the_hood", "myths", "nuances", "when_not_to_use", "production_patterns",
            "connections", "pitfalls", "takeaways", "flashcards", "practice", "test",
        },
    )  # fmt: skip
    if not lesson:
        return c.errors

    slug = lesson.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 80:
        c.error("slug", "must be lowercase letters, digits and single hyphens (80 at most)")
    c.text(lesson, "title", "", max_length=200)
    c.text(lesson, "subtitle", "", required=False, max_length=100)
    c.text(lesson, "category", "", max_length=100)
    minutes = lesson.get("estimated_minutes", 15)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
        c.error("estimated_minutes", "must be a whole number of minutes from 1 to 600")
    if not isinstance(lesson.get("published", False), bool):
        c.error("published", "must be true or false")

    overview = c.mapping(
        lesson.get("overview", {}),
        "overview",
        required=set(),
        optional={"what_is_it", "why_it_matters", "where_it_fits", "prerequisites", "next"},
    )
    for key in ("what_is_it", "why_it_matters", "where_it_fits"):
        c.text(overview, key, "overview", required=False)
    for key in ("prerequisites", "next"):
        for i, other in enumerate(c.items(overview, key, "overview")):
            if not isinstance(other, str) or not SLUG_RE.match(other):
                c.error(f"overview.{key}[{i + 1}]", "must be a lesson slug")
            elif other == slug:
                c.error(f"overview.{key}[{i + 1}]", "a lesson cannot link to itself")

    for section, keys in (
        ("mental_model", ("core_idea", "analogy", "diagram")),
        ("under_the_hood", ("how_it_works", "why_designed", "diagram")),
    ):
        part = c.mapping(lesson.get(section, {}), section, required=set(), optional=set(keys))
        for key in keys:
            c.text(part, key, section, required=False)
    for key in ("when_not_to_use", "production_patterns"):
        c.text(lesson, key, "", required=False)

    steps = c.items(lesson, "steps", "", minimum=1)
    for i, step in enumerate(steps, start=1):
        path = f"steps[{i}]"
        step = c.mapping(
            step,
            path,
            required={"level", "title", "concept", "body"},
            optional={"result", "insight", "prediction"},
        )
        if not step:
            continue
        c.choice(step, "level", path, Level)
        c.text(step, "title", path, max_length=200)
        for key in ("concept", "body"):
            c.text(step, key, path)
        for key in ("result", "insight"):
            c.text(step, key, path, required=False)
        if step.get("prediction") is not None:
            ppath = f"{path}.prediction"
            prediction = c.mapping(step["prediction"], ppath, required={"prompt", "options"})
            if prediction:
                c.text(prediction, "prompt", ppath)
                options = c.items(prediction, "options", ppath, minimum=2)
                _check_options(c, options, f"{ppath}.options", "expected", "expected")

    myths = c.items(lesson, "myths", "")
    for i, myth in enumerate(myths, start=1):
        path = f"myths[{i}]"
        myth = c.mapping(
            myth, path, required={"question", "belief", "reality", "why_it_matters", "answer"}
        )
        if myth:
            c.text(myth, "question", path, max_length=300)
            for key in ("belief", "reality", "why_it_matters"):
                c.text(myth, key, path)
            if "answer" in myth and not isinstance(myth["answer"], bool):
                c.error(f"{path}.answer", "must be true (yes) or false (no)")

    for key in ("nuances", "takeaways"):
        for i, text in enumerate(c.items(lesson, key, "")):
            if not isinstance(text, str) or not text.strip():
                c.error(f"{key}[{i + 1}]", "must be non-empty text")
    for i, conn in enumerate(c.items(lesson, "connections", ""), start=1):
        path = f"connections[{i}]"
        conn = c.mapping(conn, path, required={"field", "relation", "insight"})
        if conn:
            c.text(conn, "field", path, max_length=200)
            c.text(conn, "relation", path)
            c.text(conn, "insight", path)
    pitfalls = c.items(lesson, "pitfalls", "")
    for i, pitfall in enumerate(pitfalls, start=1):
        path = f"pitfalls[{i}]"
        pitfall = c.mapping(pitfall, path, required={"title", "wrong", "correct", "root_cause"})
        if pitfall:
            c.text(pitfall, "title", path, max_length=300)
            for key in ("wrong", "correct", "root_cause"):
                c.text(pitfall, key, path)

    for i, card in enumerate(c.items(lesson, "flashcards", ""), start=1):
        path = f"flashcards[{i}]"
        card = c.mapping(card, path, required={"front", "back"})
        if card:
            c.text(card, "front", path)
            c.text(card, "back", path)

    counts = {"step": len(steps), "myth": len(myths), "pitfall": len(pitfalls)}
    for kind in QuestionKind.values:
        for i, question in enumerate(c.items(lesson, kind, ""), start=1):
            _check_question(c, question, f"{kind}[{i}]", counts, kind=kind)
    return c.errors


def _check_options(c: _Checker, options: list, path: str, flag: str, word: str) -> None:
    marked = 0
    for i, option in enumerate(options, start=1):
        option = c.mapping(option, f"{path}[{i}]", required={"text"}, optional={flag})
        if option:
            c.text(option, "text", f"{path}[{i}]", max_length=300 if flag == "expected" else 5000)
            if not isinstance(option.get(flag, False), bool):
                c.error(f"{path}[{i}].{flag}", "must be true or false")
            marked += option.get(flag) is True
    if options and marked != 1:
        c.error(path, f"exactly one option must be {word} (found {marked})")


def _check_question(c: _Checker, question, path: str, counts: dict[str, int], *, kind: str) -> None:
    # Imported here: lessons.validation builds on this module.
    from .validation import final_answer_problems

    question = c.mapping(
        question,
        path,
        required={"difficulty", "stem", "choices"},
        optional={"hint", "solution", "final_answer", "quick_check", "mistakes", "teaches"},
    )
    if not question:
        return
    c.choice(question, "difficulty", path, Difficulty)
    c.text(question, "stem", path)
    for key in ("hint", "final_answer", "quick_check"):
        c.text(question, key, path, required=False)
    if isinstance(question.get("final_answer"), str):
        for problem in final_answer_problems(question["final_answer"], kind=kind):
            c.error(f"{path}.final_answer", problem)
    choices = c.items(question, "choices", path, minimum=2)
    if len(choices) > 6:
        c.error(f"{path}.choices", "has more than six choices")
    _check_options(c, choices, f"{path}.choices", "correct", "correct")
    for i, step in enumerate(c.items(question, "solution", path), start=1):
        step = c.mapping(step, f"{path}.solution[{i}]", required={"title", "text"})
        if step:
            c.text(step, "title", f"{path}.solution[{i}]", max_length=200)
            c.text(step, "text", f"{path}.solution[{i}]")
    for i, mistake in enumerate(c.items(question, "mistakes", path), start=1):
        if not isinstance(mistake, str) or not mistake.strip() or "\n" in mistake:
            c.error(f"{path}.mistakes[{i}]", "must be one line of text")
    teaches = question.get("teaches")
    if teaches is not None:
        match = TEACHES_RE.match(teaches) if isinstance(teaches, str) else None
        if not match:
            c.error(f"{path}.teaches", 'must look like "step 2", "myth 1" or "pitfall 3"')
        elif int(match[2]) > counts[match[1]]:
            c.error(f"{path}.teaches", f"there is no {teaches} in this lesson")


def parse(text: str, source: str = "<upload>") -> dict:
    """Parse and validate one lesson document; raise LessonFormatError naming ``source``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise LessonFormatError([f"{source}: not valid YAML{where}"]) from None
    errors = validate(data)
    if errors:
        raise LessonFormatError([f"{source}: {error}" for error in errors])
    return data
