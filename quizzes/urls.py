from django.urls import path, re_path

from . import views

app_name = "quizzes"

urlpatterns = [
    re_path(
        r"^commit/(?P<kind>step|myth|pitfall|question)/(?P<pk>[0-9]{1,18})/$",
        views.commit,
        name="commit",
    ),
    path("practice/", views.practice, name="practice"),
    path("practice/retry/", views.practice_retry, name="practice-retry"),
    path("practice/hint/<int:pk>/", views.hint, name="hint"),
]
