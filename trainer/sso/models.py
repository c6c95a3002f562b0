from django.conf import settings
from django.db import models

from trainer.teams.models import Membership, Role, Team


class Identity(models.Model):
    """An account at the identity provider (issuer and subject), linked to one user here.

    The subject, not the e-mail address, is what identifies a person at the provider:
    addresses get reused and renamed, a subject never does.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_subject"),
        ]
        verbose_name_plural = "identities"

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class GroupMapping(models.Model):
    """A value of the provider's groups claim that puts its holders in a team."""

    claim_value = models.CharField(
        max_length=255, help_text="The group exactly as the identity provider sends it."
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="group_mappings")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["claim_value", "team"], name="one_mapping_per_group_and_team"
            ),
        ]
        ordering = ["claim_value", "team__name"]

    def __str__(self):
        return f"{self.claim_value} → {self.team} ({self.get_role_display()})"


class DirectoryMembership(models.Model):
    """Marks a team membership that the provider's groups claim made.

    Only these follow the claim: a membership a manager made by hand is never removed
    because a group disappeared.
    """

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, primary_key=True, related_name="directory"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.membership} (from the identity provider)"
