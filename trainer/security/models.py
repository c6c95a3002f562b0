from django.conf import settings
from django.db import models


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
