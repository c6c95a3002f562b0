"""Certificates: a learner's proof that they finished a lesson at the required verdict.

A certificate records what it certified when it was issued (the name, the lesson's title,
the verdict and the day it was earned), so a later edit to the account or the lesson never
changes a certificate someone has already shown. It is never deleted: an instructor revokes
it, and every copy of it (the page, the PDF, the signed credential) then says so.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from lessons.models import Lesson
from quizzes.models import Verdict

# How many certificates one Bitstring Status List credential covers: the minimum size the
# W3C Bitstring Status List recommends (16 KiB), so a list tells nothing about how many
# certificates exist.
STATUS_LIST_SIZE = 131_072


def status_position(pk: int) -> tuple[int, int]:
    """(status list number from 1, bit index in it) of the certificate with this key."""
    return (pk - 1) // STATUS_LIST_SIZE + 1, (pk - 1) % STATUS_LIST_SIZE


class CertificateQuerySet(models.QuerySet):
    def held_by(self, user):
        """The certificates of a signed-in user; none for anyone else."""
        return self.filter(user_id=user.pk) if user.is_authenticated else self.none()

    def in_status_list(self, number: int):
        first = (number - 1) * STATUS_LIST_SIZE + 1
        return self.filter(pk__gte=first, pk__lt=first + STATUS_LIST_SIZE)


class Certificate(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    recipient_name = models.CharField(max_length=300)
    lesson_title = models.CharField(max_length=400)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    earned_at = models.DateTimeField(help_text="When the learner first met the requirement.")
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_reason = models.CharField(max_length=500, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-earned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_certificate_per_lesson"),
        ]
        permissions = [("revoke_certificate", "Can revoke certificates")]

    def __str__(self):
        return f"{self.recipient_name}: {self.lesson_title} ({self.get_verdict_display()})"

    def get_absolute_url(self):
        return reverse("certificates:detail", kwargs={"public_id": self.public_id})

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status_list(self) -> int:
        """Which status list holds this certificate's revocation bit (from 1)."""
        return status_position(self.pk)[0]

    @property
    def status_index(self) -> int:
        return status_position(self.pk)[1]
