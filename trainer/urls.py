from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson"),
    path("admin/", admin.site.urls),
]
