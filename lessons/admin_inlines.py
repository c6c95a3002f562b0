"""The inlines that edit a lesson's sections and a step's or question's parts."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .admin_base import ContentInline, LabelledTabularInline
from .forms import (
    ChoiceForm,
    ChoiceFormSet,
    MythForm,
    PredictionOptionForm,
    PredictionOptionFormSet,
    QuestionForm,
    QuestionFormSet,
)
from .models import (
    Choice,
    Connection,
    Flashcard,
    Myth,
    Nuance,
    Pitfall,
    PredictionOption,
    Question,
    SolutionStep,
    Step,
    Takeaway,
)


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
