"""Lesson authoring in the admin: every section inline, in the order learners see it.

The admin stays thin: the rules are in ``lessons.validation``, the forms in
``lessons.forms`` and the file format in ``lessons.formats``. Publishing refuses a lesson
with problems, content that learners committed to is never hard-deleted (the admin says
why instead), and django-simple-history records who changed what and when, shows the
differences and reverts. See docs/authoring.md.
"""

import io
import json
import zipfile

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Max
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from . import formats, markdown
from .forms import (
    ChoiceForm,
    ChoiceFormSet,
    LessonForm,
    LessonImportForm,
    MarkdownTextarea,
    MythForm,
    OrderedInlineFormSet,
    PolicyCaseForm,
    PredictionOptionForm,
    PredictionOptionFormSet,
    QuestionForm,
    QuestionFormSet,
    refuse_deleting_learner_records,
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
    PolicyCase,
    PredictionOption,
    Question,
    SolutionStep,
    Step,
    Takeaway,
)
from .validation import (
    deletion_blockers,
    lesson_import,
    lesson_keep_valid,
    lesson_problems,
    lesson_publish,
    lesson_unpublish,
)

MARKDOWN = {models.TextField: {"widget": MarkdownTextarea, "max_length": formats.MAX_TEXT}}
LESSON_PARTS = (Step, Myth, Nuance, Connection, Pitfall, Takeaway, Question, Flashcard)
KEEP_EDITING = ("_continue", "_addanother", "_saveasnew", "_popup")


def problem_list(intro: str, problems: list[str]):
    items = format_html_join("", "<li>{}</li>", ((problem,) for problem in problems))
    return format_html("{}<ul>{}</ul>", intro, items)


def parent_of(obj):
    """The row a content row belongs to: an option's step, a choice's question, a lesson."""
    parents = {field.name for field in obj._meta.fields if field.many_to_one}
    for name in ("step", "question", "lesson"):
        if name in parents:
            return getattr(obj, name)
    return None


def lesson_of(obj) -> Lesson | None:
    while obj is not None and not isinstance(obj, Lesson):
        obj = parent_of(obj)
    return obj


def yaml_response(lesson: Lesson) -> HttpResponse:
    response = HttpResponse(formats.export(lesson), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{lesson.slug}.yaml"'
    return response


def _require_id(model, raw, field="pk"):
    """A malformed id in a history URL is a missing page, not a server error."""
    target = model._meta.pk if field == "pk" else model._meta.get_field(field)
    try:
        target.to_python(unquote(raw))
    except ValidationError:
        raise Http404("No such row.") from None


class ContentAdmin(SimpleHistoryAdmin):
    """History, Markdown previews, ordered siblings and deletion that keeps learners' records."""

    formfield_overrides = MARKDOWN
    sibling_fields: tuple[str, ...] = ("lesson",)  # the rows numbered together with this one
    listed = False  # on the admin index; the other rows are reached from their lesson

    def has_module_permission(self, request):
        return self.listed and super().has_module_permission(request)

    def history_view(self, request, object_id, extra_context=None):
        _require_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _require_id(self.model, object_id)
        _require_id(self.model.history.model, version_id, "history_id")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # simple-history's default calls select_related() with no fields for models without
        # foreign keys, which Django deprecates; the versions list needs only the user.
        return history_manager.filter(**{pk_name: object_id}).select_related("history_user")

    def save_model(self, request, obj, form, change):
        if not self.sibling_fields:
            return super().save_model(request, obj, form, change)
        siblings = self.model.objects.filter(**{f: getattr(obj, f) for f in self.sibling_fields})
        if not obj.order:
            obj.order = (siblings.exclude(pk=obj.pk).aggregate(n=Max("order"))["n"] or 0) + 1
        super().save_model(request, obj, form, change)
        siblings.renumber()

    def get_deleted_objects(self, objs, request):
        # Listing the protected rows would show learners' answers; say what they are instead.
        blocked = [blocker for obj in objs if (blocker := deletion_blockers(obj))]
        if blocked:
            return [], {}, set(), blocked
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, obj):
        lesson = lesson_of(obj)
        super().delete_model(request, obj)
        if lesson is not obj:
            self.keep_valid(request, lesson)

    def delete_queryset(self, request, queryset):
        lessons = {lesson_of(obj) for obj in queryset if not isinstance(obj, Lesson)}
        super().delete_queryset(request, queryset)
        for lesson in lessons:
            self.keep_valid(request, lesson)

    def response_add(self, request, obj, post_url_continue=None):
        self.keep_valid(request, lesson_of(obj))
        response = super().response_add(request, obj, post_url_continue)
        return self.back_to_parent(request, obj, response)

    def response_change(self, request, obj):
        self.keep_valid(request, lesson_of(obj))
        return self.back_to_parent(request, obj, super().response_change(request, obj))

    def keep_valid(self, request, lesson):
        if lesson is not None and (problems := lesson_keep_valid(lesson=lesson)):
            intro = f"“{lesson}” is a draft again until these are fixed:"
            self.message_user(request, problem_list(intro, problems), messages.ERROR)

    def back_to_parent(self, request, obj, response):
        """After saving a row, go back to the page it is edited from (its step or lesson)."""
        parent = parent_of(obj)
        if parent is None or response.status_code != 302:
            return response
        if any(key in request.POST for key in KEEP_EDITING):
            return response
        opts = parent._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", parent.pk)


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose every field has an accessible name.

    A tabular inline's column headers are not labels, so a screen reader would announce
    each cell as an unnamed field: every widget is named after its field and row instead.
    """

    template = "admin/edit_inline/tabular_labelled.html"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                row = "new row" if index is None else f"row {index + 1}"
                for name, field in form.fields.items():
                    if field.widget.is_hidden:
                        continue
                    # The admin wraps a relation's widget; the inner one is what renders.
                    for widget in (field.widget, getattr(field.widget, "widget", None)):
                        if widget is not None:
                            widget.attrs["aria-label"] = f"{field.label or name}, {row}"

        Labelled.__name__ = Labelled.__qualname__ = formset.__name__
        return Labelled


class ContentInline:
    formfield_overrides = MARKDOWN
    formset = OrderedInlineFormSet
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The admin's own check names the protected rows: whose answers, and what they were.
        formset.form.hand_clean_DELETE = refuse_deleting_learner_records
        return formset


class StepInline(ContentInline, admin.StackedInline):
    model = Step
    verbose_name = "build-up step"
    verbose_name_plural = "Build-up steps"
    fields = [
        ("order", "level"),
        "title",
        "concept",
        "body",
        "result",
        "insight",
        "prediction_prompt",
        "prediction",
    ]
    readonly_fields = ["prediction"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="Prediction options")
    def prediction(self, step):
        if not step.pk:
            return "Save the lesson first, then add the options on the step's own page."
        options = format_html_join(
            "",
            "<li>{}{}</li>",
            ((o.text, " (expected)" if o.is_expected else "") for o in step.options.all()),
        )
        return format_html(
            '<ul class="inline-summary">{}</ul>'
            '<a href="{}" aria-label="Edit the prediction options of step {}">'
            "Edit the prediction options</a>",
            options,
            reverse("admin:lessons_step_change", args=[step.pk]),
            step.order,
        )


class MythInline(ContentInline, admin.StackedInline):
    model = Myth
    form = MythForm
    verbose_name_plural = "Myth busters"
    fields = ["order", "question", "belief", "reality", "why_it_matters", "true_answer"]


class NuanceInline(ContentInline, LabelledTabularInline):
    model = Nuance
    verbose_name = "expert-zone nuance"
    verbose_name_plural = "Expert zone"
    fields = ["order", "text"]


class ConnectionInline(ContentInline, admin.StackedInline):
    model = Connection
    fields = ["order", "field", "relation", "insight"]


class PitfallInline(ContentInline, admin.StackedInline):
    model = Pitfall
    verbose_name_plural = "Common pitfalls"
    fields = ["order", "title", "wrong", "correct", "root_cause"]


class TakeawayInline(ContentInline, LabelledTabularInline):
    model = Takeaway
    verbose_name_plural = "Key takeaways"
    fields = ["order", "text"]


class FlashcardInline(ContentInline, LabelledTabularInline):
    model = Flashcard
    verbose_name_plural = "Flashcards (besides those drawn from insights, takeaways, nuances)"
    fields = ["order", "front", "back"]


class QuestionInline(ContentInline, admin.StackedInline):
    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    verbose_name_plural = "Practice and pattern-test questions"
    fields = [("kind", "order", "difficulty"), "stem", "answers"]
    readonly_fields = ["answers"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("choices")

    @admin.display(description="Choices")
    def answers(self, question):
        if not question.pk:
            return "Save the lesson first, then add the choices on the question's own page."
        choices = format_html_join(
            "",
            "<li>{}. {}{}</li>",
            (
                (c.letter, c.text, " (correct)" if c.is_correct else "")
                for c in question.choices.all()
            ),
        )
        return format_html(
            '<ul class="inline-summary">{}</ul>'
            '<a href="{}" aria-label="Edit the choices, hint and solution of {}">'
            "Edit the choices, hint and solution</a>",
            choices,
            reverse("admin:lessons_question_change", args=[question.pk]),
            f"{question.get_kind_display().lower()} question {question.order}",
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
                archive.writestr(f"{lesson.slug}.yaml", formats.export(lesson))
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


class PredictionOptionInline(ContentInline, LabelledTabularInline):
    model = PredictionOption
    form = PredictionOptionForm
    formset = PredictionOptionFormSet
    fields = ["order", "text", "is_expected"]
    show_change_link = False


class ChoiceInline(ContentInline, LabelledTabularInline):
    model = Choice
    form = ChoiceForm
    formset = ChoiceFormSet
    fields = ["order", "text", "is_correct"]
    show_change_link = False


class SolutionStepInline(ContentInline, admin.StackedInline):
    model = SolutionStep
    verbose_name = "worked solution step"
    verbose_name_plural = "Worked solution"
    fields = ["order", "title", "text"]
    show_change_link = False


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


def policy_case_preview_html(policies, request_data) -> str:
    """The evaluator's decision and trace for a case as authored, or why it cannot decide."""
    from .cases import run
    from .playground import present
    from .policy import PolicyError

    try:
        policy_objects, result = run(policies, request_data)
    except PolicyError as exc:
        return render_to_string("lessons/policy/_admin_preview.html", {"error": str(exc)})
    documents = [
        {"type": str(p.type), "name": p.name, "document": p.document, "level": p.level}
        for p in policy_objects
    ]
    return render_to_string(
        "lessons/policy/_admin_preview.html", {"evaluation": present(documents, result)}
    )


@admin.register(PolicyCase)
class PolicyCaseAdmin(ContentAdmin):
    """Policy cases, with a live preview of what the evaluator decides for them."""

    form = PolicyCaseForm
    listed = True
    list_display = ["__str__", "lesson", "difficulty", "decision", "deciding_policy"]
    list_filter = ["lesson", "difficulty", "decision"]
    list_select_related = ["lesson"]
    search_fields = ["title", "scenario"]
    readonly_fields = ["preview"]
    fieldsets = [
        (None, {"fields": ["lesson", ("order", "difficulty"), "title", "scenario"]}),
        ("The policies and the request", {"fields": ["policies", "request", "preview"]}),
        ("After the reveal", {"fields": ["explanation", "misconception"]}),
    ]

    class Media:
        css = {"all": ["lessons/policy.css"]}
        js = ["lessons/admin-policy-preview.js"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="lessons_policycase_preview"),
            *super().get_urls(),
        ]

    @admin.display(description="What the evaluator decides")
    def preview(self, case):
        if case is None or case.pk is None:
            html = render_to_string(
                "lessons/policy/_admin_preview.html",
                {"error": "Write the policies and the request to see the decision."},
            )
        else:
            html = policy_case_preview_html(case.policies, case.request)
        return format_html('<div id="policy-case-preview">{}</div>', html)

    def preview_view(self, request):
        """The preview for the policies and request being typed (admin-policy-preview.js)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        try:
            policies = json.loads(request.POST.get("policies", ""))
            request_data = json.loads(request.POST.get("request", ""))
        except ValueError:
            html = render_to_string(
                "lessons/policy/_admin_preview.html",
                {"error": "The policies and the request must both be valid JSON."},
            )
            return HttpResponseBadRequest(html)
        return HttpResponse(
            policy_case_preview_html(policies, request_data),
            content_type="text/html; charset=utf-8",
        )
