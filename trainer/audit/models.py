"""Who changed which account, group, permission, team or assignment, when and from where."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    ADD = "add", "Added to"
    REMOVE = "remove", "Removed from"
    CLEAR = "clear", "Cleared"


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One change, written in the same transaction as the change itself.

    ``actor_repr`` and ``object_repr`` are snapshots: the trail still reads correctly
    after the account or the object is deleted. ``changes`` maps a field to its
    ``[before, after]`` values (secrets are never stored, only that they changed), or a
    relation to the names added or removed.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No database constraint and no cascade: an event keeps naming the account that acted
    # after that account is deleted (even when it deletes itself, and whatever that
    # deletion takes with it).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_repr = models.CharField("by", max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField("object", max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        who = self.actor_repr or "system"
        return f"{who} {self.get_action_display().lower()} {self.object_type} {self.object_repr}"
