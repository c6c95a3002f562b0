from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import mfa
from .sessions import MFA_PENDING, session_start, sessions_end


@receiver(user_logged_in, dispatch_uid="security.session_start")
def start_session(sender, request, user, **kwargs):
    """Stamp the login time, index the session, and ask for the second factor if set up."""
    if request is None or not hasattr(request, "session"):
        return
    session_start(request=request, user=user)
    if mfa.second_factor_enabled(user) and getattr(user, "otp_device", None) is None:
        request.session[MFA_PENDING] = True


@receiver(user_logged_out, dispatch_uid="security.end_other_sessions")
def end_other_sessions(sender, request, user, **kwargs):
    """Logging out ends the user's sessions everywhere, not only in this browser."""
    if user is not None:
        sessions_end(user=user)
