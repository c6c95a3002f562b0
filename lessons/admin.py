"""Lesson authoring in the admin: every section inline, in the order learners see it.

The admin stays thin: the rules are in ``lessons.validation``, the forms in
``lessons.forms`` and the file format in ``lessons.formats``. Publishing refuses a lesson
with problems, content that learners committed to is never hard-deleted (the admin says
why instead), and django-simple-history records who changed what and when, shows the
differences and reverts. See docs/authoring.md.
"""

import io
import zipfile

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from . import format_export, formats, markdown
from .admin_base import (
    LESSON_PARTS,
    ContentAdmin,
    problem_list,
    yaml_response,
)
from .admin_inlines import (
    ChoiceInline,
    ConnectionInline,
    FlashcardInline,
    MythInline,
    NuanceInline,
    PitfallInline,
    PredictionOptionInline,
    QuestionInline,
    SolutionStepInline,
    StepInline,
    TakeawayInline,
)
from .forms import (
    LessonForm,
    LessonImportForm,
    MythForm,
    QuestionForm,
    split_format_error,
)
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
    SolutionStep,
    Step,
    Takeaway,
)
from .validation import (
    lesson_import,
    lesson_problems,
    lesson_publish,
    lesson_unpublish,
)


@admin.register(Lesson)
class LessonAdmin(ContentAdmin):
    form = LessonForm
    listed = True
    sibling_fields = ()
    list_display = ["title", "subtitle", "slug", "category", "published", "updated_at"]
    list_filter = ["published", "category"]
    search_fields = ["title", "slug", "category"]
    prepopulated_fields = {"slug": ["title"]}
    view_on_site = False  # the change page links to "Preview as a learner" instead
    actions = ["publish", "unpublish", "download"]
    object_history_template = "admin/lessons/lesson/object_history.html"
    readonly_fields = ["publishing"]
    fieldsets = [
        (
            "Header",
            {
                "fields": [
                    "title",
                    "subtitle",
                    "slug",
                    "category",
                    "published",
                    "publishing",
                ]
            },
        ),
        (
            "Overview",
            {
                "fields": [
                    "what_is_it",
                    "why_it_matters",
                    "where_it_fits",
                    "prerequisites",
                    "next_lessons",
                ]
            },
        ),
        ("Mental model", {"fields": ["core_idea", "analogy", "diagram"]}),
        ("Under the hood", {"fields": ["how_it_works", "why_designed", "internals_diagram"]}),
        (
            "When NOT to use, and production patterns",
            {"fields": ["when_not_to_use", "production_patterns"]},
        ),
    ]
    inlines = [
        StepInline,
        MythInline,
        NuanceInline,
        ConnectionInline,
        PitfallInline,
        TakeawayInline,
        QuestionInline,
        FlashcardInline,
    ]
    # Learners see the inline sections between these parts of the lesson's own fields.
    inlines_after = {
        "Mental model": [StepInline],
        "Under the hood": [MythInline, NuanceInline],
        "When NOT to use, and production patterns": [
            ConnectionInline,
            PitfallInline,
            TakeawayInline,
            QuestionInline,
            FlashcardInline,
        ],
    }

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="lessons_lesson_import"),
            path(
                "markdown-preview/",
                view(self.markdown_preview),
                name="lessons_lesson_markdown_preview",
            ),
            path("<path:object_id>/export/", view(self.export_view), name="lessons_lesson_export"),
            *super().get_urls(),
        ]

    @admin.display(description="Ready to publish?")
    def publishing(self, lesson):
        if not lesson.pk:
            return "Save the lesson to check it."
        if problems := lesson_problems(lesson):
            return problem_list("Not yet:", problems)
        return "Yes: nothing is missing."

    def render_change_form(self, request, context, *args, **kwargs):
        context["lesson_sections"] = self.sections(
            list(context["adminform"]), context["inline_admin_formsets"]
        )
        return super().render_change_form(request, context, *args, **kwargs)

    def sections(self, fieldsets, inline_formsets):
        """Pair each fieldset with the inlines that follow it on the learner's page."""
        placed, sections = set(), []
        for fieldset in fieldsets:
            after = self.inlines_after.get(fieldset.name, [])
            following = [f for f in inline_formsets if type(f.opts) in after]
            placed.update(id(f) for f in following)
            sections.append((fieldset, following))
        rest = [f for f in inline_formsets if id(f) not in placed]
        if rest and sections:
            sections[-1][1].extend(rest)
        return sections

    def changelist_view(self, request, extra_context=None):
        can_import = self.has_add_permission(request) and self.has_change_permission(request)
        return super().changelist_view(request, {**(extra_context or {}), "can_import": can_import})

    def history_view(self, request, object_id, extra_context=None):
        lesson = self.get_object(request, unquote(object_id))
        context = {"content_history": content_history(lesson) if lesson else []}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    @admin.action(description="Publish the selected lessons", permissions=["change"])
    def publish(self, request, queryset):
        for lesson in queryset:
            if problems := lesson_publish(lesson=lesson):
                intro = f"“{lesson}” was not published; it stays a draft until these are fixed:"
                self.message_user(request, problem_list(intro, problems), messages.ERROR)
            else:
                self.log_change(request, lesson, "Published.")
                self.message_user(request, f"“{lesson}” is published.", messages.SUCCESS)

    @admin.action(description="Unpublish the selected lessons", permissions=["change"])
    def unpublish(self, request, queryset):
        for lesson in queryset.filter(published=True):
            lesson_unpublish(lesson=lesson)
            self.log_change(request, lesson, "Unpublished.")
        self.message_user(request, "Learners no longer see the selected lessons.", messages.SUCCESS)

    @admin.action(description="Download the selected lessons as YAML", permissions=["view"])
    def download(self, request, queryset):
        lessons = list(queryset)
        if len(lessons) == 1:
            return yaml_response(lessons[0])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for lesson in lessons:
                archive.writestr(f"{lesson.slug}.yaml", format_export.export(lesson))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="lessons.zip"'
        return response

    def export_view(self, request, object_id):
        lesson = self.get_object(request, unquote(object_id))
        if lesson is None:
            raise Http404("There is no such lesson.")
        if not self.has_view_permission(request, lesson):
            raise PermissionDenied
        return yaml_response(lesson)

    def import_view(self, request):
        """Upload a lesson file: validated whole, written only when it has no problem."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = (
            LessonImportForm(request.POST, request.FILES)
            if request.method == "POST"
            else LessonImportForm()
        )
        problems = []
        if form.is_bound and form.is_valid():
            name = form.cleaned_data["file"].name
            try:
                lesson, drafted = lesson_import(text=form.cleaned_data["text"], source=name)
            except formats.LessonFormatError as exc:
                problems = [split_format_error(error) for error in exc.errors]
            else:
                self.log_change(request, lesson, f"Imported from {name}.")
                self.message_user(request, f"Imported “{lesson}” from {name}.", messages.SUCCESS)
                if drafted:
                    intro = f"“{lesson}” is a draft until these are fixed:"
                    self.message_user(request, problem_list(intro, drafted), messages.ERROR)
                return redirect("admin:lessons_lesson_change", lesson.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a lesson",
            "opts": self.opts,
            "form": form,
            "problems": problems,
            "media": self.media + form.media,
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, "admin/lessons/lesson/import.html", context, status=status)

    def markdown_preview(self, request):
        """The sanitized HTML that learners would see for a Markdown source."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        text = request.POST.get("text", "")
        if len(text) > formats.MAX_TEXT:
            return HttpResponseBadRequest(f"The text is longer than {formats.MAX_TEXT} characters.")
        return HttpResponse(markdown.render(text), content_type="text/html; charset=utf-8")


def content_history(lesson: Lesson, limit: int = 50) -> list:
    """The latest changes to the lesson's rows (steps, myths, choices...), newest first."""
    step_ids = Step.history.filter(lesson_id=lesson.pk).values("id")
    question_ids = Question.history.filter(lesson_id=lesson.pk).values("id")
    sources = [
        *((model, {"lesson_id": lesson.pk}) for model in LESSON_PARTS),
        (PredictionOption, {"step_id__in": step_ids}),
        (Choice, {"question_id__in": question_ids}),
        (SolutionStep, {"question_id__in": question_ids}),
    ]
    records = []
    for model, where in sources:
        for record in (
            model.history.filter(**where)
            .select_related("history_user")
            .order_by("-history_date")[:limit]
        ):
            record.kind = model._meta.verbose_name
            record.version_url = reverse(
                f"admin:lessons_{model._meta.model_name}_simple_history",
                args=[record.id, record.history_id],
            )
            records.append(record)
    records.sort(key=lambda record: record.history_date, reverse=True)
    records = records[:limit]
    for record in records:
        previous = record.prev_record
        record.changed = (
            [c.field for c in record.diff_against(previous).changes] if previous else []
        )
    return records


@admin.register(Step)
class StepAdmin(ContentAdmin):
    listed = True
    list_display = ["__str__", "lesson", "level", "has_prediction"]
    list_filter = ["lesson"]
    list_select_related = ["lesson"]
    fields = [
        "lesson",
        ("order", "level"),
        "title",
        "concept",
        "body",
        "result",
        "insight",
        "prediction_prompt",
    ]
    inlines = [PredictionOptionInline]

    @admin.display(boolean=True, description="Prediction")
    def has_prediction(self, step):
        return step.has_prediction


@admin.register(Question)
class QuestionAdmin(ContentAdmin):
    form = QuestionForm
    listed = True
    sibling_fields = ("lesson", "kind")
    list_display = ["__str__", "lesson", "kind", "difficulty"]
    list_filter = ["lesson", "kind", "difficulty"]
    list_select_related = ["lesson"]
    search_fields = ["stem"]
    fieldsets = [
        (None, {"fields": ["lesson", ("kind", "order", "difficulty"), "stem", "hint"]}),
        (
            "What it teaches",
            {
                "fields": ["teaches_step", "teaches_myth", "teaches_pitfall"],
                "description": "At most one part of the same lesson.",
            },
        ),
        ("After answering", {"fields": ["final_answer", "quick_check", "common_mistakes"]}),
    ]
    inlines = [ChoiceInline, SolutionStepInline]


@admin.register(Myth)
class MythAdmin(ContentAdmin):
    form = MythForm


@admin.register(Nuance, Connection, Pitfall, Takeaway, Flashcard)
class LessonPartAdmin(ContentAdmin):
    pass


@admin.register(PredictionOption)
class PredictionOptionAdmin(ContentAdmin):
    sibling_fields = ("step",)


@admin.register(Choice, SolutionStep)
class QuestionPartAdmin(ContentAdmin):
    sibling_fields = ("question",)
