import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)

from quizzes.learners import carry_anonymous_progress
from trainer.accounts.views import safe_next
from trainer.security.sessions import MFA_PENDING, PROVIDER_SECOND_FACTOR

from . import provider, rules
from .backends import OIDCBackend
from .provider import SignInFailed

BACKEND = "trainer.sso.backends.OIDCBackend"
STATES_KEY = "oidc_states"  # where mozilla-django-oidc keeps pending sign-ins
NEXT_KEY = "sso:next"
ERROR_CODE = re.compile(r"[a-z_]{1,40}")  # RFC 6749 4.1.2.1 codes, e.g. "login_required"


def _failed(request, error: SignInFailed):
    return render(request, "sso/failed.html", {"message": error.message}, status=error.status)


# A GET, like any link to a sign-in page: it writes only this browser's pending state.
@never_cache
@require_safe
def start(request):
    """Send the browser to the provider's sign-in, with a fresh state, nonce and PKCE."""
    if not provider.enabled():
        raise Http404
    try:
        endpoint = provider.metadata()["authorization_endpoint"]
    except SignInFailed as error:
        return _failed(request, error)
    state = get_random_string(32)
    verifier = get_random_string(64)
    params = {
        "response_type": "code",
        "scope": settings.OIDC_SCOPES,
        "client_id": settings.OIDC_CLIENT_ID,
        "redirect_uri": request.build_absolute_uri(reverse("sso:callback")),
        "state": state,
        "nonce": get_random_string(32),
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
    }
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    request.session[NEXT_KEY] = safe_next(request)
    separator = "&" if "?" in endpoint else "?"
    return HttpResponseRedirect(f"{endpoint}{separator}{urlencode(params)}")


@never_cache
@require_safe
def callback(request):
    """Where the provider sends the browser back: check everything, then sign in."""
    if not provider.enabled():
        raise Http404
    try:
        user, claims = _verified_user(request)
    except SignInFailed as error:
        return _failed(request, error)
    next_url = request.session.pop(NEXT_KEY, "")
    login(request, user, backend=BACKEND)
    if rules.second_factor_asserted(claims.get("amr"), settings.OIDC_TRUST_AMR):
        # The provider checked the second factor: no code here, and what the visitor did
        # before signing in is carried over now, as after a code (quizzes.learners).
        request.session.pop(MFA_PENDING, None)
        request.session[PROVIDER_SECOND_FACTOR] = True
        carry_anonymous_progress(request, user)
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def _verified_user(request):
    error = request.GET.get("error")
    state = request.GET.get("state")
    states = request.session.get(STATES_KEY)
    pending = states.pop(state, None) if isinstance(states, dict) and state else None
    if pending is not None:
        # Spent whatever happens next, so a captured answer cannot be replayed.
        request.session[STATES_KEY] = states
    if error:
        # The provider's own words only for a sign-in this browser started: anyone can
        # craft a link to this address, and this site's page must not speak for them.
        description = request.GET.get("error_description", "")[:200] if pending else ""
        if error == "access_denied":
            raise SignInFailed(
                "Your organisation's sign-in service refused to sign you in"
                + (f": {description}" if description else ".")
                + " Nothing was changed here.",
                403,
            )
        code = f" ({error})" if pending and ERROR_CODE.fullmatch(error) else ""
        raise SignInFailed(
            f"Your organisation's sign-in service could not sign you in{code}. "
            "Nothing was changed; try again.",
        )
    if not request.GET.get("code") or not state:
        raise SignInFailed(
            "This address is where your organisation's sign-in service sends you back, and "
            "it was opened without a sign-in answer. Start again from the log-in page.",
        )
    if not isinstance(pending, dict) or not pending.get("nonce"):
        raise SignInFailed(
            "This sign-in answer was already used, or the sign-in was started in another "
            "browser. Nothing was changed; start again from the log-in page.",
        )
    backend = OIDCBackend()
    user = backend.authenticate(
        request, oidc_nonce=pending["nonce"], oidc_code_verifier=pending.get("code_verifier")
    )
    if user is None:
        raise SignInFailed(provider.UNREACHABLE, 502)
    return user, backend.claims
