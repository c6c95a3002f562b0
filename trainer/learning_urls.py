"""The learner's pages: the catalog, a lesson and its modes, review and My learning."""

from django.urls import path, re_path

from . import views

app_name = "trainer"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson"),
    re_path(
        r"^lessons/(?P<slug>[-a-zA-Z0-9_]+)/"
        r"(?P<mode>step-by-step|overview|mental-model|myths|pitfalls|flashcards|expert)/$",
        views.lesson_mode,
        name="lesson-mode",
    ),
    path("lessons/<slug:slug>/step-by-step/read/<id:pk>/", views.step_read, name="step-read"),
    path("lessons/<slug:slug>/flashcards/rate/", views.flashcard_rate, name="flashcard-rate"),
    path("review/", views.review_queue, name="review"),
    path("me/", views.my_learning, name="my-learning"),
]
