from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from lessons.cache import lesson_with_content
from lessons.cards import cards_for
from lessons.models import Lesson, Step
from lessons.modes import BY_SLUG, MODES, deep_dive_minutes, mode_minutes
from lessons.numbers import parse_int
from quizzes.decks import deck_state, review_state
from quizzes.decorators import refusals_as_responses
from quizzes.flashcards import card_review, cards_offered
from quizzes.learners import learner_for
from quizzes.models import LessonProgress, Rating
from quizzes.pattern_test import test_intro_context
from quizzes.practice import practice_number, practice_state
from quizzes.services import mode_remember, step_mark_read
from quizzes.state import lesson_state
from quizzes.walks import myth_round_state, pitfall_score, step_by_step_state
from trainer.certificates.models import Certificate
from trainer.pagecache import visitor_page_cache
from trainer.sso.services import directory_memberships
from trainer.teams.my_learning import assigned_to, invitations_for

# The modes with a page of their own; every other mode is the lesson-mode page.
OWN_PAGES = {"deep-dive": "trainer:lesson", "practice": "quizzes:practice", "test": "quizzes:test"}
MODE_PAGES = [m.slug for m in MODES if m.slug not in OWN_PAGES]


def mode_url(lesson, slug):
    BY_SLUG[slug]  # an unknown mode is a KeyError, as a URL name would be
    if slug in OWN_PAGES:
        return reverse(OWN_PAGES[slug], kwargs={"slug": lesson.slug})
    return reverse("trainer:lesson-mode", kwargs={"slug": lesson.slug, "mode": slug})


@require_safe
def catalog(request):
    lessons = list(Lesson.objects.published().order_by("title"))
    learner = learner_for(request)
    progress = {}
    if learner:
        progress = {p.lesson_id: p for p in LessonProgress.objects.filter(learner=learner)}
    for lesson in lessons:
        lesson.minutes = deep_dive_minutes(lesson_with_content(lesson))
        lesson.progress = progress.get(lesson.pk)
        if lesson.progress is not None:
            lesson.progress.lesson = lesson  # trainer/_progress.html reads its title
        last = lesson.progress and lesson.progress.last_mode
        lesson.resume_url = mode_url(lesson, last) if last in BY_SLUG else None
        lesson.resume_mode = BY_SLUG.get(last)
    return render(request, "catalog.html", {"lessons": lessons})


def _int_param(request, name, maximum):
    raw = request.GET.get(name)
    if raw is None:
        return None
    return parse_int(raw, minimum=1, maximum=maximum)


def _lesson_context(request, slug, mode):
    """What every view of a lesson shows: content, the learner's commits, the modes."""
    lesson = lesson_with_content(
        get_object_or_404(Lesson.objects.visible_to(request.user), slug=slug)
    )
    learner = learner_for(request)
    test = test_intro_context(lesson, learner)
    minutes = mode_minutes(lesson, cards=len(cards_for(lesson)), test_questions=test["size"])
    # Only a learner with progress on the lesson has their last mode kept: a visitor who
    # has not acted gets no session and no row from reading (see mode_remember).
    mode_remember(learner=learner, lesson=lesson, mode=mode)
    return {
        "lesson": lesson,
        "learner": learner,
        "state": lesson_state(learner, lesson),
        "test": test,
        "mode": BY_SLUG[mode],
        "lesson_minutes": minutes["deep-dive"],
        "modes": [
            {
                "mode": m,
                "url": mode_url(lesson, m.slug),
                "minutes": minutes[m.slug],
                "current": m.slug == mode,
            }
            for m in MODES
        ],
        "next": request.get_full_path(),
        # Orders each pitfall's two approaches for this learner (quizzes.items.PitfallPick).
        "seed": learner.pk if learner else 0,
    }


@require_safe
@visitor_page_cache
def lesson_detail(request, slug):
    context = _lesson_context(request, slug, "deep-dive")
    lesson = context["lesson"]
    try:
        number = practice_number(request.GET.get("q"), len(lesson.practice_questions))
    except ValueError:
        return HttpResponseBadRequest("There is no such practice question.")
    context["practice"] = practice_state(
        context["learner"], lesson, lesson.practice_questions, number
    )
    return render(request, "trainer/lesson_detail.html", context)


@require_safe
def lesson_mode(request, slug, mode):
    context = _lesson_context(request, slug, mode)
    lesson, learner, state = context["lesson"], context["learner"], context["state"]
    try:
        if mode == "step-by-step":
            requested = _int_param(request, "step", lesson.steps.all().count())
            context["walk"] = step_by_step_state(learner, lesson, state.commits, requested)
        elif mode == "myths":
            # One past the last myth is the round's summary ("See your score").
            requested = _int_param(request, "n", len(lesson.myths.all()) + 1)
            context["round"] = myth_round_state(lesson, state.commits, requested)
    except ValueError:
        return HttpResponseBadRequest("There is no such item in this lesson.")
    if mode == "pitfalls":
        context["score"] = pitfall_score(lesson, state.commits)
    elif mode == "flashcards":
        context["deck"] = deck_state(learner, lesson, timezone.now(), state.commits)
    template = "trainer/lesson_mode.html"
    if request.htmx and mode in {"step-by-step", "myths"}:
        template += "#step-by-step" if mode == "step-by-step" else "#myth-round"
        context["revealed"] = True
    return render(request, template, context)


def _back_to(request, fallback):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and (
        target.startswith("/")
    ):
        return redirect(target)
    return redirect(fallback)


@require_POST
@refusals_as_responses
def step_read(request, slug, pk):
    lesson = get_object_or_404(Lesson.objects.visible_to(request.user), slug=slug)
    step = get_object_or_404(Step.objects.filter(lesson=lesson), pk=pk)
    learner = learner_for(request, create=True)
    step_mark_read(learner=learner, step=step)
    url = mode_url(lesson, "step-by-step")
    return redirect(f"{url}?step={step.order + 1}" if step.order < lesson.steps.count() else url)


@require_POST
def flashcard_rate(request, slug):
    lesson = get_object_or_404(Lesson.objects.visible_to(request.user).with_content(), slug=slug)
    commits = lesson_state(learner_for(request), lesson).commits
    offered = cards_offered(cards_for(lesson), commits)
    card = next((c for c in offered if c.key == request.POST.get("card")), None)
    try:
        rating = parse_int(request.POST.get("rating", ""))
    except ValueError:
        rating = None
    if card is None or rating not in Rating.values:
        return HttpResponseBadRequest("Rate one of this lesson's cards: Again, Hard, Good or Easy.")
    learner = learner_for(request, create=True)
    card_review(learner=learner, lesson=lesson, card=card, rating=rating)
    if request.htmx:
        context = {
            "lesson": lesson,
            "deck": deck_state(learner, lesson, timezone.now(), commits),
            "next": request.POST.get("next", ""),
            "revealed": True,
        }
        return render(request, "trainer/lesson_mode.html#flashcard", context)
    return _back_to(request, mode_url(lesson, "flashcards"))


@require_safe
def review_queue(request):
    """Every card due now, across lessons, most overdue first."""
    queue = review_state(learner_for(request), timezone.now())
    context = {
        "due": queue.due,
        "card": queue.card,
        "lesson": queue.lesson,
        "next": request.get_full_path(),
    }
    return render(request, "trainer/review_queue.html", context)


@require_safe
def my_learning(request):
    learner = learner_for(request)
    progress = []
    if learner:
        progress = list(
            LessonProgress.objects.started()
            .filter(learner=learner, lesson__published=True)
            .select_related("lesson")
            .order_by("-updated_at")
        )
    assigned = assigned_to(request.user, today=timezone.localdate())
    context = {
        "progress": progress,
        "assigned": assigned,
        "invitations": invitations_for(request.user),
        "directory_memberships": list(directory_memberships(request.user)),
        "certificates": Certificate.objects.held_by(request.user),
    }
    return render(request, "trainer/my_learning.html", context)
