from django.contrib import admin
from django.urls import include, path

from . import theme
from .certificates import views as certificate_views
from .security import views as security_views

urlpatterns = [
    path("", include("trainer.learning_urls")),
    path("lessons/<slug:slug>/", include("quizzes.urls")),
    path("lessons/<slug:slug>/", include("lessons.urls")),
    path("teams/", include("trainer.teams.urls")),
    path("accounts/", include("trainer.accounts.urls")),
    path("accounts/", include("trainer.security.urls")),
    path("accounts/sso/", include("trainer.sso.urls")),
    path("certificates/", include("trainer.certificates.urls")),
    # The issuer's did:web document: at the host's root, or under the path SITE_URL has.
    path(".well-known/did.json", certificate_views.did_document, name="did-document"),
    path("did.json", certificate_views.did_document),
    path("theme/", theme.set_theme, name="theme"),
    path("health/", security_views.health, name="health"),
    path("admin/", admin.site.urls),
]

# Benchmark floors (scripts/bench.py): empty unless BENCH_FLOORS is set on that server.
urlpatterns += [path("bench/", include("trainer.floors"))]

# Error pages that touch no database (trainer.security.errors).
handler400 = security_views.bad_request
handler403 = security_views.permission_denied
handler404 = security_views.page_not_found
handler500 = security_views.server_error
