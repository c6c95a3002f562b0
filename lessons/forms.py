"""Forms and formsets for authoring lessons in the admin.

They hold no rules of their own: each clean method asks ``lessons.validation`` and shows
its messages where the author typed.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse_lazy
from django.utils.safestring import mark_safe

from . import markdown, validation
from .models import Lesson, Myth, PolicyCase, Question
from .numbers import parse_int

MAX_UPLOAD_BYTES = 1024 * 1024


class MarkdownTextarea(forms.Textarea):
    """Markdown source with its rendered, sanitized preview; admin-preview.js keeps it live."""

    template_name = "admin/lessons/widgets/markdown_textarea.html"
    preview_url = reverse_lazy("admin:lessons_lesson_markdown_preview")

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/admin-preview.js"]

    def __init__(self, attrs=None):
        super().__init__({"rows": 4, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-markdown-preview"] = str(self.preview_url)
        source = self.format_value(value) or ""
        context["widget"]["preview"] = mark_safe(markdown.render(source))  # noqa: S308 - nh3
        return context


class DiagramTextarea(forms.Textarea):
    """Preformatted text, shown in a monospace font and kept byte for byte."""

    def __init__(self, attrs=None):
        super().__init__(
            {"rows": 8, "class": "diagram-source", "spellcheck": "false", **(attrs or {})}
        )


class LessonForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = [
            "slug", "title", "subtitle", "category", "published",
            "what_is_it", "why_it_matters", "where_it_fits", "prerequisites", "next_lessons",
            "core_idea", "analogy", "diagram", "how_it_works", "why_designed",
            "internals_diagram", "when_not_to_use", "production_patterns",
        ]  # fmt: skip
        widgets = {"diagram": DiagramTextarea, "internals_diagram": DiagramTextarea}

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if problems := validation.slug_problems(slug):
            raise ValidationError(problems)
        return slug

    def clean(self):
        cleaned = super().clean()
        for name in ("prerequisites", "next_lessons"):
            linked = cleaned.get(name)
            if self.instance.pk and linked and linked.filter(pk=self.instance.pk).exists():
                self.add_error(name, "A lesson cannot link to itself.")
        return cleaned


YES_NO = [("True", "Yes"), ("False", "No")]


class MythForm(forms.ModelForm):
    true_answer = forms.TypedChoiceField(
        label="True answer",
        choices=YES_NO,
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
        help_text="The correct answer to the quick question.",
        error_messages={"required": "Choose the true answer to the quick question: yes or no."},
    )

    class Meta:
        model = Myth
        fields = [
            "lesson",
            "order",
            "question",
            "belief",
            "reality",
            "why_it_matters",
            "true_answer",
        ]


class QuestionForm(forms.ModelForm):
    """A question; what it teaches can only be a part of its own lesson."""

    class Meta:
        model = Question
        fields = [
            "lesson", "kind", "order", "difficulty", "stem", "hint", "final_answer",
            "quick_check", "common_mistakes", "teaches_step", "teaches_myth", "teaches_pitfall",
        ]  # fmt: skip
        widgets = {"common_mistakes": forms.Textarea({"rows": 3})}
        error_messages = {
            "difficulty": {"required": "Every question needs a difficulty: easy, medium or hard."}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lesson_id = self.instance.lesson_id or self.initial.get("lesson")
        if self.is_bound:
            lesson_id = self.data.get(self.add_prefix("lesson"), lesson_id)
        try:
            lesson_id = parse_int(str(lesson_id or ""))
        except ValueError:
            lesson_id = None
        for name in ("teaches_step", "teaches_myth", "teaches_pitfall"):
            if name in self.fields:
                field = self.fields[name]
                field.queryset = field.queryset.filter(lesson_id=lesson_id)
                field.help_text = "A part of this question's lesson (save the lesson first)."

    def clean(self):
        cleaned = super().clean()
        if "final_answer" in self.fields:
            kind = cleaned.get("kind") or self.instance.kind
            for problem in validation.final_answer_problems(
                cleaned.get("final_answer", ""), kind=kind
            ):
                self.add_error("final_answer", problem)
        if not {"teaches_step", "teaches_myth", "teaches_pitfall"} & set(self.fields):
            return cleaned
        lesson = cleaned.get("lesson") or getattr(self.instance, "lesson", None)
        targets = [cleaned.get(f"teaches_{part}") for part in ("step", "myth", "pitfall")]
        for problem in validation.teaches_problems(getattr(lesson, "pk", None), targets):
            self.add_error(None, problem)
        return cleaned


class FlaggedForm(forms.ModelForm):
    """A choice or option whose "the one right row" flag the formset checks across rows.

    The database allows one flagged row per parent; the formset checks exactly that over
    every submitted row and clears the old flag before saving, so moving the flag from
    one row to another in a single save is allowed.
    """

    flag = ""

    def validate_constraints(self):
        try:
            self.instance.validate_constraints(
                exclude=self._get_validation_exclusions() | {self.flag}
            )
        except ValidationError as exc:
            self._update_errors(exc)


class ChoiceForm(FlaggedForm):
    flag = "is_correct"


class PredictionOptionForm(FlaggedForm):
    flag = "is_expected"


def refuse_deleting_learner_records(form):
    """An inline row marked for deletion that learners' records refer to stays.

    It replaces the admin's own check (``hand_clean_DELETE``), whose message would list
    the protected rows themselves: whose answers they are and what they answered.
    """
    if not form.cleaned_data.get("DELETE") or form.instance._state.adding:
        return
    if blocker := validation.deletion_blockers(form.instance):
        raise ValidationError(blocker, code="deleting_protected")


class OrderedInlineFormSet(BaseInlineFormSet):
    """Rows in an explicit order: a new row without one goes last; numbered 1, 2, 3..."""

    group_by: str | None = None  # questions are numbered within their kind

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "order" in form.fields:
            form.fields["order"].required = False
            form.fields["order"].help_text = "Position on the page; 0 or empty puts it last."

    def kept_forms(self):
        """The rows that will exist after saving: not deleted, not left blank."""
        deleted = self.deleted_forms
        return [
            form
            for form in self.forms
            if form not in deleted
            and hasattr(form, "cleaned_data")
            and (form.instance.pk or form.has_changed())
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        errors = []
        groups = {}
        for form in self.kept_forms():
            groups.setdefault(
                form.cleaned_data.get(self.group_by) if self.group_by else "", []
            ).append(form)
        for group, forms_ in groups.items():
            numbered = [f for f in forms_ if f.cleaned_data.get("order")]
            errors += validation.order_problems(
                [f.cleaned_data["order"] for f in numbered],
                f"{group} {self.model._meta.verbose_name}".strip(),
            )
            last = max((f.cleaned_data["order"] for f in numbered), default=0)
            for form in forms_:
                if not form.cleaned_data.get("order"):
                    last += 1
                    form.cleaned_data["order"] = form.instance.order = last
        if errors:
            raise ValidationError(errors)

    def save(self, commit=True):
        saved = super().save(commit)
        if commit:
            rows = self.model.objects.filter(**{self.fk.name: self.instance})
            if self.group_by:
                for value in rows.values_list(self.group_by, flat=True).distinct():
                    rows.filter(**{self.group_by: value}).renumber()
            else:
                rows.renumber()
        return saved


class FlaggedInlineFormSet(OrderedInlineFormSet):
    flag = ""

    def flagged(self) -> list[bool]:
        return [bool(form.cleaned_data.get(self.flag)) for form in self.kept_forms()]

    def save(self, commit=True):
        keep = [f.instance.pk for f in self.kept_forms() if f.cleaned_data.get(self.flag)]
        # Clear the old flag first: the database allows one flagged row at any moment.
        self.model.objects.filter(**{self.fk.name: self.instance, self.flag: True}).exclude(
            pk__in=[pk for pk in keep if pk]
        ).update(**{self.flag: False})
        return super().save(commit)


class PredictionOptionFormSet(FlaggedInlineFormSet):
    flag = "is_expected"

    def clean(self):
        super().clean()
        if any(self.errors) or self.non_form_errors():
            return
        problems = validation.prediction_problems(self.instance.prediction_prompt, self.flagged())
        if problems:
            raise ValidationError(problems)


class ChoiceFormSet(FlaggedInlineFormSet):
    flag = "is_correct"

    def clean(self):
        super().clean()
        if any(self.errors) or self.non_form_errors():
            return
        if problems := validation.choice_problems(self.flagged()):
            raise ValidationError(problems)


class QuestionFormSet(OrderedInlineFormSet):
    group_by = "kind"


class LessonImportForm(forms.Form):
    file = forms.FileField(
        label="Lesson file",
        help_text="A YAML lesson file (docs/lesson-format.md), 1 MB at most.",
        widget=forms.ClearableFileInput({"accept": ".yaml,.yml,application/yaml,text/yaml"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 1 MB; a lesson file is far smaller.")
        try:
            self.cleaned_data["text"] = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text; save it as UTF-8 YAML.") from None
        return upload


def split_format_error(error: str) -> tuple[str, str]:
    """``file.yaml: steps[1].title: is required`` → (``steps[1].title``, ``is required``)."""
    parts = error.split(": ", 2)
    if len(parts) == 3:
        return parts[1], parts[2]
    return "(file)", parts[-1]


class PrettyJSONField(forms.JSONField):
    """JSON edited as indented text, so a policy's document reads line by line."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class PolicyCaseForm(forms.ModelForm):
    """A policy case; the evaluator must decide its policies and request (lessons.cases)."""

    preview_url = reverse_lazy("admin:lessons_policycase_preview")

    policies = PrettyJSONField(
        help_text=(
            'A list of policies, each {"type": identity, resource, permissions-boundary, '
            'session, scp or rcp, "name", "document": the policy JSON as text, and "level" '
            "for SCPs and RCPs}."
        ),
        widget=forms.Textarea({"rows": 18, "class": "diagram-source", "spellcheck": "false"}),
    )
    request = PrettyJSONField(
        help_text=(
            'The request: {"principal", "action", "resource", and optionally "context", '
            '"principal_tags", "resource_account"}.'
        ),
        widget=forms.Textarea({"rows": 8, "class": "diagram-source", "spellcheck": "false"}),
    )

    class Meta:
        model = PolicyCase
        fields = [
            "lesson", "order", "title", "difficulty", "scenario", "policies", "request",
            "explanation", "misconception",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("policies", "request"):
            self.fields[name].widget.attrs["data-policy-preview"] = str(self.preview_url)

    def clean(self):
        cleaned = super().clean()
        if "policies" in cleaned and "request" in cleaned:
            for problem in validation.policy_case_problems(cleaned["policies"], cleaned["request"]):
                field = "request" if problem.startswith("request") else "policies"
                self.add_error(field, problem)
        return cleaned
