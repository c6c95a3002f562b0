from django.conf import settings
from django.db import models
from django.utils import timezone


class UserSession(models.Model):
    """A signed-in session of a user, so that one act can end all the others.

    Sessions are stored by key, not by user; this index is what lets logging out,
    or turning on a second factor, find and end the user's other sessions.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self):
        return f"Session of user {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class AccountLockout(models.Model):
    """When an account's sign-in was last paused for failures from many addresses.

    One row per username (known or not, so a lockout reveals nothing about which exist);
    the notice to the account's address goes out when a new lockout starts here, so
    once per lockout however many attempts follow.
    """

    username = models.CharField(max_length=150, unique=True)
    locked_at = models.DateTimeField()
    failures = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.username} locked at {self.locked_at:%Y-%m-%d %H:%M}"


class EnrolmentGrantQuerySet(models.QuerySet):
    def usable(self, *, now):
        return self.filter(used_at__isnull=True, expires_at__gt=now)


class EnrolmentGrant(models.Model):
    """A one-time link that lets a staff account set up its first second factor.

    Only a hash of the link's token is kept. A link the user asked for from a signed-in
    session works in that session only (``session_hash``); one made by an administrator
    (``created_by`` set, or by a command) works in any session of that user.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_grants"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    session_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentGrantQuerySet.as_manager()

    def __str__(self):
        return f"Set-up link for {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    def use(self) -> bool:
        """Spend the link; False if it was spent or expired meanwhile. Call in a transaction.

        The row is locked and saved (not updated in bulk) so the audit trail records it.
        """
        now = timezone.now()
        grant = type(self).objects.usable(now=now).select_for_update().filter(pk=self.pk).first()
        if grant is None:
            return False
        grant.used_at = self.used_at = now
        grant.save(update_fields=["used_at"])
        return True
