from django.contrib.auth import login
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


# Like Django's own LoginView: passwords stay out of error reports, pages out of caches.
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """Create an account, sign in (firing ``user_logged_in``) and go on to ``next``."""
    if request.user.is_authenticated:
        return redirect("catalog")
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if form.is_valid():
        login(request, form.save())
        return redirect(safe_next(request) or "catalog")
    return render(request, "registration/signup.html", {"form": form, "next": safe_next(request)})
