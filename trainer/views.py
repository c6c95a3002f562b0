from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from lessons.models import Lesson
from quizzes.learners import learner_for
from quizzes.models import LessonProgress
from quizzes.state import lesson_state, practice_number, practice_state, test_intro_context


@require_safe
def catalog(request):
    lessons = list(Lesson.objects.published().order_by("title"))
    learner = learner_for(request)
    progress = {}
    if learner:
        progress = {p.lesson_id: p for p in LessonProgress.objects.filter(learner=learner)}
    for lesson in lessons:
        lesson.progress = progress.get(lesson.pk)
    return render(request, "catalog.html", {"lessons": lessons})


@require_safe
def lesson_detail(request, slug):
    lesson = get_object_or_404(Lesson.objects.visible_to(request.user).with_content(), slug=slug)
    try:
        number = practice_number(request.GET.get("q"), len(lesson.practice_questions))
    except ValueError:
        return HttpResponseBadRequest("There is no such practice question.")
    learner = learner_for(request)
    context = {
        "lesson": lesson,
        "state": lesson_state(learner, lesson),
        "practice": practice_state(learner, lesson, lesson.practice_questions, number),
        "test": test_intro_context(lesson, learner),
        "next": request.get_full_path(),
    }
    return render(request, "trainer/lesson_detail.html", context)


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
    return render(request, "trainer/my_learning.html", {"progress": progress})
