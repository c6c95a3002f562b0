"""The admin's shared base: history, Markdown previews, ordered siblings, labelled inlines."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from . import format_export, formats
from .forms import (
    MarkdownTextarea,
    OrderedInlineFormSet,
    refuse_deleting_learner_records,
)
from .models import (
    Connection,
    Flashcard,
    Lesson,
    Myth,
    Nuance,
    Pitfall,
    Question,
    Step,
    Takeaway,
)
from .validation import (
    deletion_blockers,
    lesson_keep_valid,
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
    response = HttpResponse(
        format_export.export(lesson), content_type="application/yaml; charset=utf-8"
    )
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
