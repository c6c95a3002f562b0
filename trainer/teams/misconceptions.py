"""The misconceptions panel: which wrong answers a team's members commit to most."""

from collections import defaultdict
from dataclasses import dataclass
from html import unescape

from django.db.models import Count, Q
from django.utils.html import strip_tags
from django.utils.text import Truncator

from lessons.markdown import render as render_markdown
from lessons.models import Lesson, Myth, Question, QuestionKind, Step
from quizzes.models import Commit, ItemKind, Verdict

from .models import Assignment, Team
from .reports import _member_ids

VERDICT_LABELS = dict(Verdict.choices)


@dataclass
class Misconception:
    kind: str
    lesson: Lesson
    label: str
    url: str
    learners: int
    wrong: int
    common_answer: str = ""

    @property
    def kind_label(self) -> str:
        return ItemKind(self.kind).label


ITEM_FIELDS = {ItemKind.STEP: "step_id", ItemKind.MYTH: "myth_id", ItemKind.QUESTION: "question_id"}


def _plain(markdown_source: str, words: int = 20) -> str:
    """A question's stem as one short line of text (its Markdown and code flattened)."""
    text = " ".join(unescape(strip_tags(render_markdown(markdown_source))).split())
    return Truncator(text).words(words)


def misconceptions(
    team: Team, assignments: list[Assignment], *, limit: int = 10
) -> list[Misconception]:
    """The items the team's members answer wrong most often, on the assigned lessons.

    Ranked by how many members got the item wrong, then by wrong answers in all (a
    practice question can be answered wrong again in a later attempt). Answers in a
    pattern test count once that test is finished. Each links to the
    lesson part: ``#step-N``, ``#myth-N``, or ``?q=N#practice`` for a practice question;
    a test question links to the step or myth it teaches.
    """
    lessons = {a.lesson_id: a.lesson for a in assignments}
    if not lessons:
        return []
    wrong = Commit.objects.filter(
        correct=False,
        lesson_id__in=list(lessons),
        learner__user_id__in=_member_ids(team),
        kind__in=list(ITEM_FIELDS),
    ).exclude(
        # A pattern test counts once it is finished: its answers are final then, and a
        # manager sees nothing of a test the member is still taking.
        attempt__kind=QuestionKind.TEST,
        attempt__finished_at=None,
    )
    top = list(
        wrong.values("kind", "step_id", "myth_id", "question_id")
        .annotate(learners=Count("learner_id", distinct=True), wrong=Count("id"))
        .order_by("-learners", "-wrong", "kind", "step_id", "myth_id", "question_id")[:limit]
    )
    ids = {
        kind: [row[name] for row in top if row["kind"] == kind]
        for kind, name in ITEM_FIELDS.items()
    }
    steps = Step.objects.in_bulk(ids[ItemKind.STEP])
    myths = Myth.objects.in_bulk(ids[ItemKind.MYTH])
    questions = Question.objects.select_related("teaches_step", "teaches_myth").in_bulk(
        ids[ItemKind.QUESTION]
    )
    positions = _practice_positions(
        {q.lesson_id for q in questions.values() if q.kind == QuestionKind.PRACTICE}
    )
    answers = _common_answers(wrong, ids)

    result = []
    for row in top:
        kind = row["kind"]
        item_id = row[ITEM_FIELDS[kind]]
        if kind == ItemKind.STEP:
            item = steps[item_id]
            label, anchor = item.title, f"#step-{item.order}"
        elif kind == ItemKind.MYTH:
            item = myths[item_id]
            label, anchor = item.question, f"#myth-{item.order}"
        else:
            item = questions[item_id]
            label, anchor = _plain(item.stem), _question_anchor(item, positions)
        lesson = lessons[item.lesson_id]
        result.append(
            Misconception(
                kind=kind,
                lesson=lesson,
                label=label,
                url=lesson.get_absolute_url() + anchor,
                learners=row["learners"],
                wrong=row["wrong"],
                common_answer=answers.get((kind, item_id), ""),
            )
        )
    return result


def _practice_positions(lesson_ids) -> dict[int, int]:
    """``{question_id: N}`` where N is the ``?q=N`` that opens it on its lesson page."""
    if not lesson_ids:
        return {}
    positions, counters = {}, defaultdict(int)
    for pk, lesson_id in (
        Question.objects.filter(lesson_id__in=lesson_ids, kind=QuestionKind.PRACTICE)
        .order_by("lesson_id", "order", "pk")
        .values_list("pk", "lesson_id")
    ):
        counters[lesson_id] += 1
        positions[pk] = counters[lesson_id]
    return positions


def _question_anchor(question: Question, positions: dict[int, int]) -> str:
    if question.kind == QuestionKind.PRACTICE and question.pk in positions:
        return f"?q={positions[question.pk]}#practice"
    if question.teaches_step_id:
        return f"#step-{question.teaches_step.order}"
    if question.teaches_myth_id:
        return f"#myth-{question.teaches_myth.order}"
    return ""


def _common_answers(wrong, ids) -> dict[tuple[str, int], str]:
    """The wrong answer given most often to each of the top items."""
    items = Q()
    for kind, pks in ids.items():
        if pks:
            items |= Q(kind=kind, **{f"{ITEM_FIELDS[kind]}__in": pks})
    if not items:
        return {}
    best: dict[tuple[str, int], tuple[int, str]] = {}
    for row in (
        wrong.filter(items)
        .values("kind", "step_id", "myth_id", "question_id", "answer_text")
        .annotate(n=Count("id"))
        .order_by("-n", "answer_text")
    ):
        key = (row["kind"], row[ITEM_FIELDS[row["kind"]]])
        best.setdefault(key, (row["n"], row["answer_text"]))
    return {key: Truncator(text).chars(120) for key, (_, text) in best.items()}
