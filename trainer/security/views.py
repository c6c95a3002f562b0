import logging
import sys
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login

from quizzes.learners import carry_anonymous_progress
from trainer.accounts.views import safe_next

from . import enrolment, mfa
from .errors import database_error_response, error_response, is_htmx
from .forms import CodeForm
from .sessions import MFA_PENDING, sessions_end

logger = logging.getLogger(__name__)

ENROL_KEY = "security:enrol_key"
NEW_CODES = "security:new_recovery_codes"


# Health and errors ---------------------------------------------------------------------


@never_cache
@require_safe
def health(request):
    """For load balancers: 200 while the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database does not answer", exc_info=True)
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def bad_request(request, exception=None):
    return error_response(400, fragment=is_htmx(request))


def permission_denied(request, exception=None):
    return error_response(403, fragment=is_htmx(request))


def page_not_found(request, exception=None):
    return error_response(404, fragment=is_htmx(request))


def server_error(request):
    """500, or 503 when the database was unavailable (400 when it refused the input).

    Django calls this while handling the exception, so ``sys.exc_info`` still holds it;
    that is how failures in middleware (a session read, say) also become a 503.
    """
    exception = sys.exc_info()[1]
    if exception is not None:
        response = database_error_response(request, exception)
        if response is not None:
            return response
    return error_response(500, fragment=is_htmx(request))


def csrf_failure(request, reason=""):
    return error_response(403, fragment=is_htmx(request))


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer once a (username, address) pair or a whole account is locked:
    the same page either way, and for known and unknown usernames alike."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"minutes": minutes}
    return render(request, "security/lockout.html", context, status=429)


@require_safe
def session_ended(request):
    reason = request.GET.get("why")
    return render(
        request,
        "security/session_ended.html",
        {
            "absolute": reason == "absolute",
            "idle_minutes": max(1, settings.SESSION_IDLE_TIMEOUT // 60),
            "absolute_hours": max(1, settings.SESSION_ABSOLUTE_TIMEOUT // 3600),
        },
    )


# The second factor -----------------------------------------------------------------------


def _with_next(name, request):
    url = reverse(name)
    target = safe_next(request)
    return f"{url}?{urlencode({'next': target})}" if target else url


def _overview(request, disable_form, status=200):
    user = request.user
    context = {
        "enabled": mfa.second_factor_enabled(user),
        "codes_left": mfa.recovery_codes_left(user),
        "verified": user.is_verified(),
        "required": user.is_staff or user.is_superuser,
        "disable_form": disable_form,
    }
    return render(request, "security/two_factor.html", context, status=status)


@never_cache
@login_required
@require_safe
def overview(request):
    return _overview(request, CodeForm(auto_id="disable_%s"))


def _link_refused(request):
    """One answer for every link that cannot be used, so none tells more than another."""
    return render(request, "security/enrol_link_refused.html", status=403)


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request, token=None):
    """Set up the authenticator app: with the password alone for learners, through a
    one-time link (``token``) for staff without a device (``security.enrolment``)."""
    user = request.user
    grant = None
    if token is not None:
        grant = enrolment.grant_find(
            token=token, user=user, session_key=request.session.session_key
        )
        if grant is None or mfa.second_factor_enabled(user):
            return _link_refused(request)
    elif mfa.second_factor_enabled(user):
        return redirect("security:two-factor")
    elif enrolment.link_required(user):
        status = 403 if request.method == "POST" else 200
        context = {"next": safe_next(request), "minutes": settings.STAFF_ENROLMENT_LINK_MINUTES}
        return render(request, "security/enrol_link_needed.html", context, status=status)
    key = request.session.get(ENROL_KEY)
    if not key:
        key = request.session[ENROL_KEY] = mfa.enrolment_start().key
    setup = mfa.Enrolment(key=key)
    form = CodeForm(request.POST or None, numeric=True)
    if form.is_valid():
        try:
            confirmed = mfa.totp_confirm(
                user=user, key=key, token=form.cleaned_data["code"], grant=grant
            )
        except mfa.GrantSpent:
            return _link_refused(request)
        if confirmed is None:
            form.add_error("code", "That code is not right. Check the clock on your phone.")
        else:
            device, codes = confirmed
            otp_login(request, device)
            request.session.pop(ENROL_KEY, None)
            request.session.pop(MFA_PENDING, None)
            # The account is stronger now: sessions started with the password alone end.
            request.session.cycle_key()
            sessions_end(user=user, keep=request.session.session_key)
            request.session[NEW_CODES] = codes
            return redirect(_with_next("security:recovery-codes", request))
    return render(
        request,
        "security/enrol.html",
        {
            "form": form,
            "action": request.path,
            "secret": setup.secret,
            "qr_svg": setup.qr_svg(user),
            "next": safe_next(request),
        },
    )


@never_cache
@login_required
@require_POST
def enrol_link_request(request):
    """E-mail a member of staff the one-time link that lets this session set up a device."""
    user = request.user
    if not enrolment.link_required(user):
        return redirect(_with_next("security:enrol", request))
    if enrolment.link_send(request=request, user=user, next_url=safe_next(request)):
        messages.success(
            request,
            "We sent a set-up link to your e-mail address. Open it in this browser within "
            f"{settings.STAFF_ENROLMENT_LINK_MINUTES} minutes; it works once.",
        )
    else:
        messages.error(
            request,
            "Your account has no e-mail address. Ask an administrator for a set-up link.",
        )
    return redirect(_with_next("security:enrol", request))


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    user = request.user
    target = safe_next(request) or reverse("trainer:catalog")
    if not mfa.second_factor_enabled(user):
        request.session.pop(MFA_PENDING, None)
        if user.is_staff or user.is_superuser:
            return redirect(_with_next("security:enrol", request))
        return redirect(target)
    if user.is_verified():
        request.session.pop(MFA_PENDING, None)
        return redirect(target)
    form = CodeForm(
        request.POST or None,
        help_text="The six-digit code from your authenticator app, or one of your recovery codes.",
    )
    if form.is_valid():
        result = mfa.second_factor_verify(user=user, token=form.cleaned_data["code"])
        if result.device is not None:
            otp_login(request, result.device)
            request.session.pop(MFA_PENDING, None)
            request.session.cycle_key()
            carry_anonymous_progress(request, user)
            if result.device.persistent_id.startswith("otp_static"):
                left = mfa.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones on the Two-factor page.",
                )
            return redirect(target)
        if result.wait_seconds:
            form.add_error(
                "code", f"Too many wrong codes. Wait {result.wait_seconds} seconds and try again."
            )
        else:
            form.add_error("code", "That code is not right, or it has been used already.")
    return render(request, "security/verify.html", {"form": form, "next": safe_next(request)})


@never_cache
@login_required
@require_safe
def recovery_codes(request):
    """The new recovery codes, once: reloading the page does not show them again."""
    codes = request.session.pop(NEW_CODES, None)
    return render(
        request,
        "security/recovery_codes.html",
        {"codes": codes, "next": safe_next(request)},
    )


@never_cache
@login_required
@require_POST
def recovery_codes_reset(request):
    if not request.user.is_verified():
        query = urlencode({"next": reverse("security:two-factor")})
        return redirect(f"{reverse('security:verify')}?{query}")
    request.session[NEW_CODES] = mfa.recovery_codes_reset(user=request.user)
    return redirect("security:recovery-codes")


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_POST
def disable(request):
    """Turning the second factor off takes a current code, not only a signed-in session."""
    user = request.user
    form = CodeForm(request.POST, auto_id="disable_%s")
    if (
        form.is_valid()
        and mfa.second_factor_verify(user=user, token=form.cleaned_data["code"]).device
    ):
        mfa.second_factor_disable(user=user)
        messages.success(request, "Two-factor authentication is off.")
        return redirect("security:two-factor")
    if form.is_valid():
        form.add_error("code", "That code is not right, or it has been used already.")
    return _overview(request, form, status=400)
