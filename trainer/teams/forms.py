from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone

from lessons.models import Lesson
from lessons.numbers import WholeNumberField
from quizzes.models import Verdict

from .models import Role
from .reports import SORT_CHOICES
from .roster import RosterRefused, roster_parse

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


class ImportForm(forms.Form):
    """A CSV file of addresses to invite, read whole into a ``Roster`` (or refused)."""

    file = forms.FileField(label="CSV file", allow_empty_file=True)
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.MEMBER,
        label="Role for lines that name none",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_rows = settings.TEAM_IMPORT_MAX_ROWS
        self.max_bytes = settings.TEAM_IMPORT_MAX_BYTES
        self.fields["file"].help_text = (
            "One e-mail address per line, optionally followed by a role (member or manager) "
            "after a comma or semicolon; a header line is fine. UTF-8 text, at most "
            f"{self.max_rows:,} lines and {self.max_bytes // 1024:,} KB."
        )
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,text/csv,text/plain"

    def clean(self):
        cleaned = super().clean()
        upload, role = cleaned.get("file"), cleaned.get("role")
        if upload is None or role is None:
            return cleaned
        # One byte past the limit is enough to know the file is too big.
        data = upload.read(self.max_bytes + 1)
        try:
            cleaned["roster"] = roster_parse(
                data, max_rows=self.max_rows, max_bytes=self.max_bytes, default_role=role
            )
        except RosterRefused as refused:
            self.add_error("file", str(refused))
        return cleaned


IMPORT_SALT = "trainer.teams.import"
# A preview older than this is refused: the team may have changed since it was read.
PREVIEW_MAX_AGE = 60 * 60


@dataclass(frozen=True)
class Preview:
    """What a manager saw and now applies: the rows to invite and when they saw them."""

    rows: list[tuple[str, str]]
    at: datetime


def preview_token(*, team, user, rows, at: datetime) -> str:
    """The previewed rows, signed for this team and this person, to be posted back."""
    data = {
        "team": team.pk,
        "by": user.pk,
        "at": at.isoformat(),
        "rows": [[row.email, row.role] for row in rows],
    }
    return signing.dumps(data, salt=IMPORT_SALT, compress=True)


class ImportApplyForm(forms.Form):
    """Applies a preview: only what the server signed is trusted, never the rows sent."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, team, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.user = user

    def clean_token(self):
        try:
            data = signing.loads(
                self.cleaned_data["token"], salt=IMPORT_SALT, max_age=PREVIEW_MAX_AGE
            )
        except signing.SignatureExpired as error:
            raise forms.ValidationError(
                "This preview is more than an hour old: upload the file again."
            ) from error
        except signing.BadSignature as error:
            raise forms.ValidationError(
                "This preview was altered or is not one this site made: upload the file again."
            ) from error
        if data.get("team") != self.team.pk or data.get("by") != self.user.pk:
            raise forms.ValidationError(
                "This preview was made for another team or person: upload the file again."
            )
        return Preview(
            rows=[(email, role) for email, role in data["rows"]],
            at=datetime.fromisoformat(data["at"]),
        )


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
