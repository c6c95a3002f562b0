from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views
from .views import password_login_only

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        password_login_only(
            auth_views.PasswordChangeView.as_view(
                success_url=reverse_lazy("accounts:password_change_done")
            )
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        password_login_only(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        password_login_only(
            auth_views.PasswordResetView.as_view(
                success_url=reverse_lazy("accounts:password_reset_done"),
                email_template_name="registration/password_reset_email.txt",
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        password_login_only(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password_login_only(
            auth_views.PasswordResetConfirmView.as_view(
                success_url=reverse_lazy("accounts:password_reset_complete")
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        password_login_only(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
