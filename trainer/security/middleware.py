"""Request-wide rules: database outages, session lifetime, the second factor, privacy."""

from functools import cached_property
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from lessons.numbers import parse_int
from quizzes.learners import SESSION_KEY as LEARNER_SESSION_KEY

from . import mfa
from .errors import database_error_response, error_response, is_htmx
from .models import UserSession
from .sessions import (
    MFA_PENDING,
    PROVIDER_SECOND_FACTOR,
    RECORDED_KEY,
    session_expiry,
    session_record,
)


def _redirect(request, url: str, *, keep_next: bool = True):
    """A redirect that htmx follows with a full page load instead of swapping it in."""
    if keep_next and request.method == "GET":
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class DatabaseErrorMiddleware:
    """A view that finds the database down or locked answers 503, not a traceback; one
    whose query the database refused as malformed input answers 400.

    Failures outside views (a session read in another middleware) reach the 500
    handler, which gives the same answers (``trainer.security.views.server_error``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_error_response(request, exception)


class RequestSizeMiddleware:
    """A body over ``MAX_REQUEST_BYTES`` answers 413 before a byte of it is read.

    Django's own limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) leaves out file parts, which it
    streams to disk whatever their size, and it only applies once a view reads the form.
    Here the declared length decides, for every URL and every content type. A body sent
    without a length (chunked) cannot be measured without reading it, so it is refused
    too: no form on this site is sent that way. The admin's lesson import keeps its
    own, smaller limit (``lessons.forms.MAX_UPLOAD_BYTES``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared:
            try:
                length = parse_int(declared)
            except ValueError:
                return error_response(400, fragment=is_htmx(request))
            if length > settings.MAX_REQUEST_BYTES:
                return error_response(413, fragment=is_htmx(request))
        elif request.META.get("HTTP_TRANSFER_ENCODING"):
            return error_response(413, fragment=is_htmx(request))
        return self.get_response(request)


def form_sources(request):
    """The query string, and the body when it is a form: what a visitor's fields are."""
    sources = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.extend([request.POST, request.FILES])
    return sources


class RepeatedFieldMiddleware:
    """A field sent more than once answers 400: every form here reads one value per name,
    and taking the last of several (``answer=1&answer=2``) would let one commit try
    several answers.

    The admin's multiple selects are the exception: ``_selected_action`` (the rows an
    action applies to) and every many-to-many field of an installed model (``groups``,
    ``user_permissions``, ``permissions``, a lesson's ``prerequisites``...), also inside
    an inline formset (``<prefix>-0-<name>``). They may repeat on admin URLs only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def admin_prefix(self):
        return reverse("admin:index")

    @cached_property
    def multi_valued(self) -> frozenset[str]:
        names = {"_selected_action"}
        for model in apps.get_models():
            names.update(field.name for field in model._meta.many_to_many)
        return frozenset(names)

    def __call__(self, request):
        allowed = self.multi_valued if request.path_info.startswith(self.admin_prefix) else ()
        for source in form_sources(request):
            for key, values in source.lists():
                if len(values) > 1 and key.rpartition("-")[2] not in allowed:
                    return error_response(400, fragment=is_htmx(request))
        return self.get_response(request)


class NulByteMiddleware:
    """A NUL byte is never legitimate input here, and PostgreSQL cannot even store one:
    a request with one in its path, query or form answers 400 before any view sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return error_response(400, fragment=is_htmx(request))
        return self.get_response(request)

    @staticmethod
    def _has_nul(request):
        if "\x00" in request.path:
            return True
        return any(
            "\x00" in key or any("\x00" in str(value) for value in values)
            for source in form_sources(request)
            for key, values in source.lists()
        )


class SessionPolicyMiddleware:
    """Ends signed-in sessions that sat idle or grew too old, and keeps the index fresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = session_expiry(request.session)
            if reason:
                UserSession.objects.filter(session_key=request.session.session_key).delete()
                request.session.flush()
                return _redirect(
                    request,
                    f"{reverse('security:session-ended')}?{urlencode({'why': reason})}",
                    keep_next=False,
                )
        response = self.get_response(request)
        self._follow_key_change(request)
        return response

    @staticmethod
    def _follow_key_change(request):
        """A password change gives the session a new key: index the new one."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        key = request.session.session_key
        if key and request.session.get(RECORDED_KEY) != key:
            session_record(request=request, user=user)


class SecondFactorMiddleware:
    """The admin needs a verified second factor; a user who set one up needs it for all.

    Staff (``is_staff`` or ``is_superuser``) reach no admin URL until they have entered
    a code in this session (or signed in through an identity provider that asserted a
    second factor this site trusts: trainer/sso/rules.py); without a device they are
    sent to set one up. A user with a device who has only given their password can
    verify or log out, nothing else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def admin_prefix(self):
        return reverse("admin:index")

    @cached_property
    def admin_login(self):
        return reverse("admin:login")

    @cached_property
    def pending_allowed(self):
        return {
            reverse("security:verify"),
            reverse("security:session-ended"),
            reverse("accounts:logout"),
            reverse("health"),
        }

    def __call__(self, request):
        path = request.path_info
        user = request.user
        if user.is_authenticated:
            if request.session.get(MFA_PENDING) and path not in self.pending_allowed:
                return _redirect(request, reverse("security:verify"))
            if (
                path.startswith(self.admin_prefix)
                and (user.is_staff or user.is_superuser)
                and not user.is_verified()
                and not request.session.get(PROVIDER_SECOND_FACTOR)
            ):
                if mfa.second_factor_enabled(user):
                    return _redirect(request, reverse("security:verify"))
                return _redirect(request, reverse("security:enrol"))
        elif path == self.admin_login:
            # One login form for everyone: ours, with its lockout and second step.
            target = request.GET.get("next") or self.admin_prefix
            return HttpResponseRedirect(
                f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': target})}"
            )
        return self.get_response(request)


class PrivateResponseMiddleware:
    """``Cache-Control: no-store`` on every answer that may hold someone's records.

    That is any answer to a signed-in user or to a visitor whose session holds an
    anonymous learner, and every server error. Static files never get here (WhiteNoise
    answers first) and the public catalog stays cacheable for first-time visitors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 500 or self._private(request):
            add_never_cache_headers(response)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        return response

    @staticmethod
    def _private(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        session = getattr(request, "session", None)
        return bool(session is not None and session.get(LEARNER_SESSION_KEY))


class FragmentVaryMiddleware:
    """``Vary: HX-Request`` on every answer: one URL serves a whole page, and with htmx
    only its fragment, so no cache (the browser's "back" included) may give one for the
    other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response
