from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from lessons.models import Lesson


@require_safe
def catalog(request):
    lessons = Lesson.objects.published().order_by("title")
    return render(request, "catalog.html", {"lessons": lessons})


@require_safe
def lesson_detail(request, slug):
    lesson = get_object_or_404(Lesson.objects.published().with_content(), slug=slug)
    return render(request, "lessons/lesson_detail.html", {"lesson": lesson})
