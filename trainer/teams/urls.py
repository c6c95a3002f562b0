from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list, name="list"),
    path("new/", views.team_create, name="create"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/accept/", views.invitation_accept, name="invitation-accept"),
    path("invitations/<int:pk>/decline/", views.invitation_decline, name="invitation-decline"),
    path("invitations/join/<str:token>/", views.invitation_claim, name="invitation-claim"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/export.csv", views.export, name="export"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/import/", views.invitation_import, name="invitation-import"),
    path(
        "<slug:slug>/members/import/apply/",
        views.invitation_import_apply,
        name="invitation-import-apply",
    ),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("<slug:slug>/members/<int:pk>/role/", views.member_role, name="member-role"),
    path(
        "<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/assignments/new/", views.assignment_create, name="assignment-create"),
    path("<slug:slug>/assignments/<int:pk>/", views.assignment_edit, name="assignment-edit"),
    path(
        "<slug:slug>/assignments/<int:pk>/delete/",
        views.assignment_delete,
        name="assignment-delete",
    ),
]
