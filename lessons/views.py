"""The policy playground: edit policies and a request, see the decision and its trace.

Nothing typed is stored: no row, no session. A GET shows the form (from a case with
``?case=<pk>``, but never the case's answer: only what is submitted is decided); a POST
evaluates what was submitted and renders the page; the htmx fragment endpoint answers
with the result alone. Bad input is a 400 with the message beside its field.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_POST

from . import playground as lab
from .cache import lesson_part
from .models import Lesson
from .numbers import parse_int


def _lesson(request, slug):
    return get_object_or_404(Lesson.objects.visible_to(request.user), slug=slug)


def _context(lesson, form, result):
    return {
        "lesson": lesson,
        "form": form,
        "evaluation": lab.present(lab.submitted_policies(form), result) if result else None,
        "type_choices": lab.TYPE_CHOICES,
        "levelled": lab.LEVELLED_TYPES,
    }


def _submitted(request, slug):
    lesson = _lesson(request, slug)
    form = lab.from_post(request.POST)
    editing = "add" in request.POST or "remove" in request.POST
    result = None if editing else lab.evaluate_playground(form)
    return lesson, form, result, 400 if form.errors else 200


@require_http_methods(["GET", "HEAD", "POST"])
def playground(request, slug):
    if request.method == "POST":
        lesson, form, result, status = _submitted(request, slug)
        context = _context(lesson, form, result)
        return render(request, "lessons/playground.html", context, status=status)
    lesson = _lesson(request, slug)
    form = lab.blank()
    if "case" in request.GET:
        try:
            case = lesson_part(lesson, "policy_cases", parse_int(request.GET["case"]))
        except ValueError:
            case = None
        if case is None:
            raise Http404("No such case.")
        form = lab.from_case(case)
    return render(request, "lessons/playground.html", _context(lesson, form, None))


@require_POST
def playground_result(request, slug):
    """The decision and trace for what was typed, with every field's error slot (htmx)."""
    lesson, form, result, status = _submitted(request, slug)
    context = _context(lesson, form, result)
    return render(request, "lessons/policy/_playground_result.html", context, status=status)
