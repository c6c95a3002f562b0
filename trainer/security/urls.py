from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("two-factor/", views.overview, name="two-factor"),
    path("two-factor/set-up/", views.enrol, name="enrol"),
    path("two-factor/set-up/link/", views.enrol_link_request, name="enrol-link-request"),
    path("two-factor/set-up/<str:token>/", views.enrol, name="enrol-link"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path(
        "two-factor/recovery-codes/new/",
        views.recovery_codes_reset,
        name="recovery-codes-reset",
    ),
    path("two-factor/turn-off/", views.disable, name="disable"),
    path("session-ended/", views.session_ended, name="session-ended"),
]
