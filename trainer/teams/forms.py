from django import forms
from django.utils import timezone

from lessons.models import Lesson
from lessons.numbers import WholeNumberField
from quizzes.models import Verdict

from .models import Role
from .reports import SORT_CHOICES

VERDICT_CHOICES = [("", "No minimum: completing the lesson is enough"), *Verdict.choices]


class DateInput(forms.DateInput):
    input_type = "date"


class TeamForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=80,
        required=False,
        label="Address",
        help_text="Optional. Letters, digits and hyphens; taken from the name when empty.",
    )
    manager = forms.CharField(
        max_length=150,
        required=False,
        label="First manager's username",
        help_text="Optional. They can then add the members.",
    )


class InvitationForm(forms.Form):
    invitee = forms.CharField(
        max_length=254,
        label="Username or e-mail address",
        help_text="They accept or decline; until they accept, the team sees nothing of them.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitee"].widget.attrs["autocomplete"] = "off"


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AnswerForm(forms.Form):
    """An answer to an invitation opened from its e-mail link."""

    answer = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])


class AssignmentForm(forms.Form):
    lesson = forms.ModelChoiceField(queryset=Lesson.objects.none(), empty_label=None)
    due_date = forms.DateField(widget=DateInput, help_text="The last day to finish it.")
    minimum_verdict = forms.ChoiceField(
        choices=VERDICT_CHOICES,
        required=False,
        label="Minimum pattern-test verdict",
        help_text="Optional. Besides completing the lesson, members must reach this verdict.",
    )

    def __init__(self, *args, team, assignment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        if assignment is None:
            self.fields["lesson"].queryset = (
                Lesson.objects.published()
                .exclude(pk__in=team.assignments.values("lesson_id"))
                .order_by("title")
            )
        else:
            del self.fields["lesson"]

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        unchanged = self.assignment is not None and self.assignment.due_date == due
        if due < timezone.localdate() and not unchanged:
            raise forms.ValidationError("The due date cannot be in the past.")
        return due


class DashboardQuery(forms.Form):
    """The dashboard's and the export's GET parameters, checked against an allow-list."""

    sort = forms.ChoiceField(choices=[(s, s) for s in SORT_CHOICES], required=False)
    page = WholeNumberField(min_value=1, max_value=1_000_000, required=False)
    assignment = WholeNumberField(min_value=1, max_value=2**63 - 1, required=False)
