from functools import wraps

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .forms import SignupForm


def safe_next(request) -> str:
    """The ``next`` parameter if it stays on this site, else an empty string."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def password_login_only(view):
    """A page that exists only while PASSWORD_LOGIN is on (sign-up, password reset)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class LoginView(auth_views.LoginView):
    """Django's log-in page, with the identity provider's button when single sign-on is on;
    with PASSWORD_LOGIN off the button is all there is, and a password is never checked."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            return render(request, "registration/login.html", self.get_context_data(), status=403)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_login": settings.PASSWORD_LOGIN,
            "sso_enabled": bool(settings.OIDC_ISSUER),
            "sso_provider_name": settings.OIDC_PROVIDER_NAME,
        }


# Like Django's own LoginView: passwords stay out of error reports, pages out of caches.
@password_login_only
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """Create an account, sign in (firing ``user_logged_in``) and go on to ``next``."""
    if request.user.is_authenticated:
        return redirect("trainer:catalog")
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if form.is_valid():
        login(request, form.save())
        return redirect(safe_next(request) or "trainer:catalog")
    return render(request, "registration/signup.html", {"form": form, "next": safe_next(request)})
