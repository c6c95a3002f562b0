from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list, name="list"),
    path("new/", views.team_create, name="create"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/export.csv", views.export, name="export"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("<slug:slug>/assignments/new/", views.assignment_create, name="assignment-create"),
    path("<slug:slug>/assignments/<int:pk>/", views.assignment_edit, name="assignment-edit"),
    path(
        "<slug:slug>/assignments/<int:pk>/delete/",
        views.assignment_delete,
        name="assignment-delete",
    ),
]
