"""The outgoing queue of learning records (xAPI statements) for the company's LRS."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutgoingStatementQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(sent_at=None)

    def due(self, now):
        """Unsent statements whose next try has come, oldest first."""
        return self.unsent().filter(next_try_at__lte=now).order_by("next_try_at", "queued_at")


class OutgoingStatement(models.Model):
    """One xAPI statement, written in the transaction of the record it describes.

    Its primary key is the statement's id, fixed when it is queued: sending it again
    after a crash, a timeout or a restore is harmless, because an LRS stores a statement
    id once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payload = models.JSONField()
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = OutgoingStatementQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at"]
        indexes = [
            models.Index(
                fields=["next_try_at", "queued_at"],
                condition=Q(sent_at=None),
                name="xapi_statement_due",
            )
        ]

    def __str__(self):
        verb = self.payload.get("verb", {}).get("display", {}).get("en-US", "statement")
        return f"{verb} {self.id}"
