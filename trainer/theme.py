"""The colour theme a visitor chose: light, dark, or the system's (the default).

The choice lives in a cookie, so it needs no session and no account: a GET never writes
anything for it, and the page is rendered with ``data-theme`` on ``<html>`` from the
first byte, without a script (the CSP forbids inline ones) and without a flash.
"""

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

COOKIE = "theme"
THEMES = ("light", "dark", "system")
DEFAULT = "system"
MAX_AGE = 365 * 24 * 3600


def theme_of(request) -> str:
    """The visitor's theme; anything unknown in the cookie counts as the default."""
    chosen = request.COOKIES.get(COOKIE, DEFAULT)
    return chosen if chosen in THEMES else DEFAULT


def theme(request):
    """Context processor: ``theme`` and the choices the footer's toggle offers."""
    return {"theme": theme_of(request), "themes": THEMES}


@require_POST
def set_theme(request):
    """Remember the chosen theme in a cookie, then go back where the visitor was.

    With htmx the page has already switched; the answer is an empty 204.
    """
    chosen = request.POST.get("theme", "")
    if chosen not in THEMES:
        return HttpResponseBadRequest("Choose light, dark or system.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("trainer:catalog")
    response = HttpResponse(status=204) if request.htmx else redirect(back)
    if chosen == DEFAULT:
        response.delete_cookie(COOKIE, samesite="Lax")
    else:
        response.set_cookie(
            COOKIE, chosen, max_age=MAX_AGE, samesite="Lax", secure=request.is_secure()
        )
    return response
