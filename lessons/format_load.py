"""Loading lesson documents (docs/lesson-format.md) in one transaction, rows kept by identity.

Only a document without errors is written. Loading a lesson that already exists updates its
rows in place, matched by slug and then by position, so row ids (and whatever refers to them)
survive a reload.
"""

from pathlib import Path

from django.db import transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from .formats import TEACHES_RE, LessonFormatError, parse
from .models import (
    Choice,
    Connection,
    Flashcard,
    Lesson,
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
