from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson"),
    path("lessons/<slug:slug>/", include("quizzes.urls")),
    path("me/", views.my_learning, name="my-learning"),
    path("teams/", include("trainer.teams.urls")),
    path("accounts/", include("trainer.accounts.urls")),
    path("admin/", admin.site.urls),
]
