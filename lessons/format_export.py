"""Exporting a lesson as a document in the load format (docs/lesson-format.md)."""

import yaml

from .models import (
    Lesson,
    Question,
    QuestionKind,
    Step,
)


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
