"""Teams, who is in them, who is invited, what they are assigned, which reminders went out.

Nothing here stores a score or a state: how far a member is on an assignment is derived
from their ``quizzes.LessonProgress`` by the rules in ``trainer.teams.rules``. A
``Membership`` is consent: it exists only once the person accepted an invitation (see
"Consent" in ``trainer.teams.rules``); until then there is only an ``Invitation``.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lessons.models import Lesson
from quizzes.models import Verdict

from . import rules
from .rules import InvitationStatus


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"


class TeamQuerySet(models.QuerySet):
    def managed_by(self, user):
        """The teams the user manages (none for an anonymous visitor)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=Membership.objects.filter(user=user, role=Role.MANAGER).values("team_id")
        )


class Team(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("teams:dashboard", kwargs={"slug": self.slug})


class MembershipQuerySet(models.QuerySet):
    def learners(self):
        """Memberships whose completion is tracked: members, not managers."""
        return self.filter(role=Role.MEMBER)

    def managers(self):
        return self.filter(role=Role.MANAGER)


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team"),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class InvitationQuerySet(models.QuerySet):
    def open(self, now: datetime | None = None):
        """Invitations still waiting for an answer: pending and not expired."""
        now = now or timezone.now()
        return self.filter(
            status=InvitationStatus.PENDING, created_at__gt=rules.invitation_cutoff(now)
        )

    def addressed_to(self, user):
        """Invitations for this account, whatever their status (none for a visitor)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class Invitation(models.Model):
    """A manager asked someone to join a team; nothing of theirs is shown until they accept.

    ``invitee`` is what the manager typed, a username or an e-mail address, and is all the
    manager ever sees of the invitation: whether an account answers to it is not shown.
    ``user`` is the account it is for: the username's account, or for an e-mail address
    whoever opened the link mailed there and answered (only a hash of that link's token is
    stored).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="team_invitations",
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Inviting the same person again while they have not answered changes nothing.
            models.UniqueConstraint(
                fields=["team", "invitee"],
                condition=Q(status=InvitationStatus.PENDING),
                name="one_pending_invitation_per_invitee",
            ),
        ]

    def __str__(self):
        return f"{self.invitee} to {self.team} ({self.get_status_display()})"

    @property
    def expires_at(self) -> datetime:
        return rules.invitation_expires_at(self.created_at)


class Assignment(models.Model):
    """A lesson a team must complete by a date, optionally with a minimum test verdict."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assignments")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    minimum_verdict = models.CharField(
        max_length=20,
        choices=Verdict.choices,
        blank=True,
        help_text="Optional. The pattern-test verdict a member must also reach.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "lesson"], name="one_assignment_per_lesson"),
        ]

    def __str__(self):
        return f"{self.lesson.title} for {self.team} by {self.due_date:%Y-%m-%d}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due-soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    WEEKLY_SUMMARY = "weekly-summary", "Weekly summary"


class ReminderLog(models.Model):
    """One reminder sent to one person on one day: a second run that day skips it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "pk"]
        constraints = [
            # Two constraints because NULLs are distinct in a unique index: the summary
            # (no assignment) needs its own.
            models.UniqueConstraint(
                fields=["user", "assignment", "kind", "sent_on"],
                condition=Q(assignment__isnull=False),
                name="one_reminder_per_assignment_per_day",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "sent_on"],
                condition=Q(assignment__isnull=True),
                name="one_summary_per_day",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.user} on {self.sent_on:%Y-%m-%d}"
