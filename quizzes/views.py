from urllib.parse import urlsplit

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from lessons.cache import lesson_with_content
from lessons.models import Lesson, Question, QuestionKind

from .decorators import refusals_as_responses
from .errors import NotAnOption, NotFound, NotInAttempt
from .items import ITEM_TYPES
from .learners import learner_for
from .models import Attempt, ItemKind
from .pattern_test import test_intro_context, test_state
from .practice import practice_number, practice_state
from .services import (
    attempt_finish,
    attempt_open,
    attempt_restart,
    commit_record,
    hint_reveal,
)
from .state import lesson_state

NOT_AN_OPTION = "Choose one of the options shown for this item."
PRACTICE = ITEM_TYPES[ItemKind.QUESTION]


def _visible(request, slug):
    return get_object_or_404(Lesson.objects.visible_to(request.user), slug=slug)


def _practice_questions(lesson):
    return lesson_with_content(lesson).practice_questions


def _back(request, lesson, anchor="", query=""):
    """Where a form posted without JavaScript returns to: the page it came from."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/"):
        target = lesson.get_absolute_url()
    target = target.split("#")[0]
    if query:
        target = f"{target.split('?')[0]}?{query}"
    return redirect(f"{target}#{anchor}" if anchor else target)


def _find(lesson, kind: str, pk: int, answer: str):
    """The kind and the lesson's item it names, checked to offer ``answer``."""
    item_type = ITEM_TYPES.get(kind)
    item = item_type.find(lesson, pk) if item_type else None
    if item is None:
        raise NotFound("This lesson has no such item.")
    if not item_type.offers(item, answer):
        raise NotAnOption(NOT_AN_OPTION)
    return item_type, item


def _on_walk(request, lesson, item_type) -> bool:
    """Whether the commit was posted from its kind's walk page."""
    if not item_type.walk_mode:
        return False
    page = urlsplit(request.POST.get("next", "")).path
    return page == reverse("trainer:lesson-mode", args=[lesson.slug, item_type.walk_mode])


def _revealed(request, lesson, learner, item_type, item, record, created):
    """The kind's partial, revealed, or without htmx back to the item on its page (PRG)."""
    context = item_type.reveal(learner=learner, lesson=lesson, item=item, commit=record)
    if not request.htmx:
        if not created:
            return render(request, "quizzes/commit_repeated.html", {"lesson": lesson}, status=409)
        return _back(request, lesson, item_type.anchor(item), item_type.query(item, context))
    context.update(lesson=lesson, next=request.POST.get("next", ""), revealed=True)
    context["card"] = item_type.partial
    if _on_walk(request, lesson, item_type):
        # Committed on a walk's page: what else the commit changed there comes along.
        content = lesson_with_content(lesson)
        context.update(item_type.walk(learner=learner, lesson=content, item=item), oob=True)
        context["walk_partials"] = item_type.walk_partials
    return render(request, "quizzes/commit_reveal.html", context, status=200 if created else 409)


@require_POST
@refusals_as_responses
def commit(request, slug, kind, pk):
    lesson = _visible(request, slug)
    answer = request.POST.get("answer", "")
    item_type, item = _find(lesson, kind, pk, answer)
    learner = learner_for(request, create=True)
    record, created = commit_record(
        learner=learner,
        kind=item_type.kind,
        item=item,
        answer=answer,
        attempt=item_type.open_attempt(learner=learner, lesson=lesson),
    )
    return _revealed(request, lesson, learner, item_type, item, record, created)


@require_safe
def practice(request, slug):
    lesson = _visible(request, slug)
    questions = _practice_questions(lesson)
    try:
        number = practice_number(request.GET.get("q"), len(questions))
    except ValueError:
        return HttpResponseBadRequest("There is no such practice question.")
    learner = learner_for(request)
    context = {
        "lesson": lesson,
        "practice": practice_state(learner, lesson, questions, number),
        "state": lesson_state(learner, lesson),
        "next": request.get_full_path(),
    }
    if request.htmx:
        return render(request, PRACTICE.partial, {**context, "revealed": True})
    return render(request, "quizzes/practice.html", context)


@require_POST
def practice_retry(request, slug):
    lesson = _visible(request, slug)
    learner = learner_for(request, create=True)
    attempt_restart(learner=learner, lesson=lesson, kind=QuestionKind.PRACTICE)
    questions = _practice_questions(lesson)
    if request.htmx:
        context = {
            "lesson": lesson,
            "practice": practice_state(learner, lesson, questions),
            "next": request.POST.get("next", ""),
            "revealed": True,
        }
        return render(request, PRACTICE.partial, context)
    return _back(request, lesson, "practice")


@require_POST
@refusals_as_responses
def hint(request, slug, pk):
    lesson = _visible(request, slug)
    question = PRACTICE.find(lesson, pk)
    if question is None:
        raise Http404("This lesson has no such practice question.")
    learner = learner_for(request, create=True)
    attempt = PRACTICE.open_attempt(learner=learner, lesson=lesson)
    hint_reveal(learner=learner, attempt=attempt, question=question)
    if not request.htmx:
        return _back(request, lesson, "practice")
    return render(request, "quizzes/items.html#hint", {"question": question, "revealed": True})


# The pattern test ----------------------------------------------------------------------


def _own_test(request, slug, number):
    """The requesting learner's test attempt; anyone else's is a 404."""
    lesson = _visible(request, slug)
    learner = learner_for(request)
    if learner is None:
        raise Http404("No such attempt.")
    attempt = get_object_or_404(
        Attempt.objects.filter(learner=learner, lesson=lesson, kind=QuestionKind.TEST),
        number=number,
    )
    return lesson, learner, attempt


@require_safe
def test_intro(request, slug):
    lesson = _visible(request, slug)
    learner = learner_for(request)
    return render(request, "quizzes/test_intro.html", test_intro_context(lesson, learner))


@require_POST
def test_start(request, slug):
    lesson = _visible(request, slug)
    if not lesson.questions.filter(kind=QuestionKind.TEST).exists():
        return HttpResponseBadRequest("This lesson has no pattern test yet.")
    learner = learner_for(request, create=True)
    attempt = attempt_open(learner=learner, lesson=lesson, kind=QuestionKind.TEST)
    return redirect("quizzes:test-attempt", slug=lesson.slug, number=attempt.number)


@require_safe
def test_attempt(request, slug, number):
    lesson, _, attempt = _own_test(request, slug, number)
    context = {"lesson": lesson, "test": test_state(attempt)}
    if request.htmx:
        return render(request, "quizzes/attempt_detail.html#test-card", context)
    return render(request, "quizzes/attempt_detail.html", context)


@require_POST
@refusals_as_responses
def test_answer(request, slug, number, pk):
    lesson, learner, attempt = _own_test(request, slug, number)
    if pk not in attempt.question_ids:
        raise NotInAttempt("That question is not part of this attempt.")
    question = get_object_or_404(
        Question.objects.filter(lesson=lesson).prefetch_related("choices"), pk=pk
    )
    answer = request.POST.get("answer", "")
    if not PRACTICE.offers(question, answer):
        raise NotAnOption(NOT_AN_OPTION)
    _, created = commit_record(
        learner=learner, kind=PRACTICE.kind, item=question, answer=answer, attempt=attempt
    )
    return _test_next(request, lesson, attempt, status=200 if created else 409)


@require_POST
def test_finish(request, slug, number):
    lesson, learner, attempt = _own_test(request, slug, number)
    attempt_finish(learner=learner, attempt=attempt)
    return _test_next(request, lesson, attempt)


def _test_next(request, lesson, attempt, status=200):
    """After an answer or finishing: the next question, or the result once finished.

    A repeated answer (409) changes nothing and shows where the learner really is.
    """
    attempt.refresh_from_db()
    if not request.htmx:
        if status == 409:
            return render(request, "quizzes/commit_repeated.html", {"lesson": lesson}, status=409)
        return redirect("quizzes:test-attempt", slug=lesson.slug, number=attempt.number)
    context = {"lesson": lesson, "test": test_state(attempt), "revealed": True}
    return render(request, "quizzes/attempt_detail.html#test-card", context, status=status)
