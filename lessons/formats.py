"""The lesson file format (docs/lesson-format.md): validate, load and export.

Validation walks the whole document first and reports every problem with its field path;
only a document without errors is written, inside one transaction. Loading a lesson that
already exists updates its rows in place, matched by slug and then by position, so row
ids (and whatever refers to them) survive a reload.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from .models import (
    Choice,
    Connection,
    Difficulty,
    Flashcard,
    Lesson,
    Level,
    Myth,
    Nuance,
    Pitfall,
    PredictionOption,
    Question,
    QuestionKind,
    SolutionStep,
    Step,
    Takeaway,
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


def load_files(paths: list[Path]) -> list[Lesson]:
    """Validate every file, then load them all in one transaction, or load nothing."""
    documents, errors = [], []
    for path in paths:
        try:
            documents.append(parse(Path(path).read_text(encoding="utf-8"), source=str(path)))
        except LessonFormatError as exc:
            errors.extend(exc.errors)
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot be read ({exc.__class__.__name__})")
    if not errors:
        errors = _check_links(documents, [str(p) for p in paths])
    if errors:
        raise LessonFormatError(errors)
    return save_documents(documents, [str(p) for p in paths])


def _check_links(documents: list[dict], sources: list[str]) -> list[str]:
    known = {doc["slug"] for doc in documents}
    missing = [
        (source, key, other)
        for doc, source in zip(documents, sources, strict=True)
        for key in ("prerequisites", "next")
        for other in doc.get("overview", {}).get(key) or []
        if other not in known
    ]
    existing = set(
        Lesson.objects.filter(slug__in={other for _, _, other in missing}).values_list(
            "slug", flat=True
        )
    )
    return [
        f"{source}: overview.{key}: no lesson with slug {other!r}"
        for source, key, other in missing
        if other not in existing
    ]


@transaction.atomic
def save_documents(documents: list[dict], sources: list[str] | None = None) -> list[Lesson]:
    """Write validated documents; links between lessons are set once all of them exist.

    A document that leaves out content learners have answered raises LessonFormatError
    naming its source (or its slug) and the rows; the transaction then writes nothing.
    """
    lessons = []
    for doc, source in zip(documents, sources or [d["slug"] for d in documents], strict=True):
        try:
            lessons.append(_save_lesson(doc))
        except LessonFormatError as exc:
            raise LessonFormatError([f"{source}: {error}" for error in exc.errors]) from None
    for lesson, doc in zip(lessons, documents, strict=True):
        overview = doc.get("overview") or {}
        lesson.prerequisites.set(
            Lesson.objects.filter(slug__in=overview.get("prerequisites") or [])
        )
        lesson.next_lessons.set(Lesson.objects.filter(slug__in=overview.get("next") or []))
    return lessons


def _save_lesson(doc: dict) -> Lesson:
    overview = doc.get("overview") or {}
    mental = doc.get("mental_model") or {}
    hood = doc.get("under_the_hood") or {}
    lesson, _ = Lesson.objects.update_or_create(
        slug=doc["slug"],
        defaults={
            "title": doc["title"],
            "subtitle": doc.get("subtitle") or "",
            "category": doc["category"],
            "estimated_minutes": doc.get("estimated_minutes", 15),
            "published": doc.get("published", False),
            "what_is_it": overview.get("what_is_it") or "",
            "why_it_matters": overview.get("why_it_matters") or "",
            "where_it_fits": overview.get("where_it_fits") or "",
            "core_idea": mental.get("core_idea") or "",
            "analogy": mental.get("analogy") or "",
            "diagram": mental.get("diagram") or "",
            "how_it_works": hood.get("how_it_works") or "",
            "why_designed": hood.get("why_designed") or "",
            "internals_diagram": hood.get("diagram") or "",
            "when_not_to_use": doc.get("when_not_to_use") or "",
            "production_patterns": doc.get("production_patterns") or "",
        },
    )

    steps = _sync(
        Step,
        {"lesson": lesson},
        [
            {
                "level": s["level"],
                "title": s["title"],
                "concept": s["concept"],
                "body": s["body"],
                "result": s.get("result") or "",
                "insight": s.get("insight") or "",
                "prediction_prompt": (s.get("prediction") or {}).get("prompt", ""),
            }
            for s in doc["steps"]
        ],
    )
    for step, s in zip(steps, doc["steps"], strict=True):
        options = (s.get("prediction") or {}).get("options", [])
        # Clear the flag first so the one-expected-option constraint holds mid-update.
        step.options.update(is_expected=False)
        _sync(
            PredictionOption,
            {"step": step},
            [{"text": o["text"], "is_expected": o.get("expected", False)} for o in options],
        )

    myths = _sync(
        Myth,
        {"lesson": lesson},
        [
            {
                "question": m["question"],
                "belief": m["belief"],
                "reality": m["reality"],
                "why_it_matters": m["why_it_matters"],
                "true_answer": m["answer"],
            }
            for m in doc.get("myths") or []
        ],
    )
    _sync(Nuance, {"lesson": lesson}, [{"text": t} for t in doc.get("nuances") or []])
    _sync(Takeaway, {"lesson": lesson}, [{"text": t} for t in doc.get("takeaways") or []])
    _sync(
        Connection,
        {"lesson": lesson},
        [
            {"field": c["field"], "relation": c["relation"], "insight": c["insight"]}
            for c in doc.get("connections") or []
        ],
    )
    pitfalls = _sync(
        Pitfall,
        {"lesson": lesson},
        [
            {k: p[k] for k in ("title", "wrong", "correct", "root_cause")}
            for p in doc.get("pitfalls") or []
        ],
    )

    _sync(
        Flashcard,
        {"lesson": lesson},
        [{"front": f["front"], "back": f["back"]} for f in doc.get("flashcards") or []],
    )

    targets = {"step": steps, "myth": myths, "pitfall": pitfalls}
    for kind in QuestionKind.values:
        items = doc.get(kind) or []
        questions = _sync(
            Question,
            {"lesson": lesson, "kind": kind},
            [_question_fields(q, targets) for q in items],
        )
        for question, q in zip(questions, items, strict=True):
            # Clear the flag first so the one-correct-choice constraint holds mid-update.
            question.choices.update(is_correct=False)
            _sync(
                Choice,
                {"question": question},
                [{"text": o["text"], "is_correct": o.get("correct", False)} for o in q["choices"]],
            )
            _sync(
                SolutionStep,
                {"question": question},
                [{"title": s["title"], "text": s["text"]} for s in q.get("solution") or []],
            )
    return lesson


def _question_fields(q: dict, targets: dict) -> dict:
    fields = {
        "difficulty": q["difficulty"],
        "stem": q["stem"],
        "hint": q.get("hint") or "",
        "final_answer": q.get("final_answer") or "",
        "quick_check": q.get("quick_check") or "",
        "common_mistakes": "\n".join(q.get("mistakes") or []),
        "teaches_step": None,
        "teaches_myth": None,
        "teaches_pitfall": None,
    }
    if q.get("teaches"):
        target, number = TEACHES_RE.match(q["teaches"]).groups()
        fields[f"teaches_{target}"] = targets[target][int(number) - 1]
    return fields


# The field that identifies a row of each kind when a file is loaded over a lesson.
IDENTITY = {
    Step: "title", PredictionOption: "text", Myth: "question", Nuance: "text",
    Takeaway: "text", Connection: "field", Pitfall: "title", Flashcard: "front",
    Question: "stem", Choice: "text", SolutionStep: "title",
}  # fmt: skip


def _sync(model, parent: dict, rows: list[dict]) -> list:
    """Make the parent's rows match ``rows``: update, create, delete the rest.

    A row keeps its id when the file still has a row with the same identifying text
    (a step's title, a question's stem...), wherever it moved; the rows left over are
    then paired in order, so an edited title updates its row too. What learners have
    answered is never silently overwritten by a different row's content this way.
    """
    existing = list(model.objects.filter(**parent).order_by("order", "pk"))
    key = IDENTITY[model]
    by_key = {}
    for obj in existing:
        by_key.setdefault(getattr(obj, key), obj)
    matched = [by_key.pop(values[key], None) for values in rows]
    used = {obj.pk for obj in matched if obj is not None}
    spare = iter([obj for obj in existing if obj.pk not in used])
    result = []
    for position, (values, obj) in enumerate(zip(rows, matched, strict=True), start=1):
        obj = obj or next(spare, None)
        if obj is None:
            obj = model.objects.create(order=position, **parent, **values)
        else:
            used.add(obj.pk)
            for name, value in values.items():
                setattr(obj, name, value)
            obj.order = position
            obj.save()
        result.append(obj)
    stale = [obj for obj in existing if obj.pk not in used]
    _refuse_dropping_answered(stale)
    if stale:
        try:
            model.objects.filter(pk__in=[obj.pk for obj in stale]).delete()
        except (ProtectedError, RestrictedError):
            # A learner committed to one of them since the check: the same refusal.
            _refuse_dropping_answered(stale)
            raise
    return result


def _refuse_dropping_answered(rows: list) -> None:
    """Raise LessonFormatError naming each row whose delete learners' records forbid.

    The rule and its wording are the admin's (``validation.learner_records``), checked
    before the delete, so a load reports every such row of a kind instead of failing on
    the database's ProtectedError.
    """
    # validation checks lessons through this module, so it is imported when needed.
    from .validation import learner_records

    errors = [
        f"the {row._meta.verbose_name} “{row}” is left out of the file, but records of "
        f"learners or teams refer to it ({summary}); keep it in the file (edit its text "
        "instead, its history keeps every earlier version)"
        for row in rows
        if (summary := learner_records(row))
    ]
    if errors:
        raise LessonFormatError(errors)


class _Dumper(yaml.SafeDumper):
    """Multi-line text as block scalars, so diagrams and Markdown stay readable."""


def _represent_str(dumper, value):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def export(lesson: Lesson) -> str:
    """The lesson as a document in the load format; loading it back changes nothing."""
    return yaml.dump(
        to_document(lesson), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def to_document(lesson: Lesson) -> dict:
    lesson = (
        Lesson.objects.prefetch_related(
            "prerequisites",
            "next_lessons",
            "steps__options",
            "myths",
            "nuances",
            "takeaways",
            "connections",
            "pitfalls",
            "questions__choices",
            "questions__solution",
            "flashcards",
        )
    ).get(pk=lesson.pk)
    steps = list(lesson.steps.all())
    myths = list(lesson.myths.all())
    pitfalls = list(lesson.pitfalls.all())
    numbers = {
        **{("step", o.pk): n for n, o in enumerate(steps, start=1)},
        **{("myth", o.pk): n for n, o in enumerate(myths, start=1)},
        **{("pitfall", o.pk): n for n, o in enumerate(pitfalls, start=1)},
    }
    doc = {
        "slug": lesson.slug,
        "title": lesson.title,
        "subtitle": lesson.subtitle,
        "category": lesson.category,
        "estimated_minutes": lesson.estimated_minutes,
        "published": lesson.published,
        "overview": {
            "what_is_it": lesson.what_is_it,
            "why_it_matters": lesson.why_it_matters,
            "where_it_fits": lesson.where_it_fits,
            "prerequisites": sorted(o.slug for o in lesson.prerequisites.all()),
            "next": sorted(o.slug for o in lesson.next_lessons.all()),
        },
        "mental_model": {
            "core_idea": lesson.core_idea,
            "analogy": lesson.analogy,
            "diagram": lesson.diagram,
        },
        "under_the_hood": {
            "how_it_works": lesson.how_it_works,
            "why_designed": lesson.why_designed,
            "diagram": lesson.internals_diagram,
        },
        "steps": [_step_document(step) for step in steps],
        "myths": [
            {
                "question": m.question,
                "belief": m.belief,
                "reality": m.reality,
                "why_it_matters": m.why_it_matters,
                "answer": m.true_answer,
            }
            for m in myths
        ],
        "nuances": [n.text for n in lesson.nuances.all()],
        "when_not_to_use": lesson.when_not_to_use,
        "production_patterns": lesson.production_patterns,
        "connections": [
            {"field": c.field, "relation": c.relation, "insight": c.insight}
            for c in lesson.connections.all()
        ],
        "pitfalls": [
            {"title": p.title, "wrong": p.wrong, "correct": p.correct, "root_cause": p.root_cause}
            for p in pitfalls
        ],
        "takeaways": [t.text for t in lesson.takeaways.all()],
        "flashcards": [{"front": f.front, "back": f.back} for f in lesson.flashcards.all()],
    }
    questions = list(lesson.questions.all())
    for kind in QuestionKind.values:
        doc[kind] = [_question_document(q, numbers) for q in questions if q.kind == kind]
    return doc


def _step_document(step: Step) -> dict:
    doc = {
        "level": step.level,
        "title": step.title,
        "concept": step.concept,
        "body": step.body,
        "result": step.result,
        "insight": step.insight,
    }
    if step.prediction_prompt:
        doc["prediction"] = {
            "prompt": step.prediction_prompt,
            "options": [
                {"text": o.text, "expected": True} if o.is_expected else {"text": o.text}
                for o in step.options.all()
            ],
        }
    return doc


def _question_document(q: Question, numbers: dict) -> dict:
    doc = {
        "difficulty": q.difficulty,
        "stem": q.stem,
        "choices": [
            {"text": c.text, "correct": True} if c.is_correct else {"text": c.text}
            for c in q.choices.all()
        ],
        "hint": q.hint,
        "solution": [{"title": s.title, "text": s.text} for s in q.solution.all()],
        "final_answer": q.final_answer,
        "quick_check": q.quick_check,
        "mistakes": q.mistakes,
    }
    for target in ("step", "myth", "pitfall"):
        pk = getattr(q, f"teaches_{target}_id")
        if pk is not None:
            doc["teaches"] = f"{target} {numbers[(target, pk)]}"
            break
    return doc
