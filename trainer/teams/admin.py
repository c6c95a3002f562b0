from django.contrib import admin

from lessons.admin_base import LabelledTabularInline

from .models import Assignment, Invitation, Membership, ReminderLog, Team


class MembershipInline(LabelledTabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


class AssignmentInline(LabelledTabularInline):
    model = Assignment
    extra = 0
    fields = ["lesson", "due_date", "minimum_verdict", "created_by"]
    raw_id_fields = ["created_by"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["lesson", "team", "due_date", "minimum_verdict", "created_by"]
    list_filter = ["due_date", "minimum_verdict"]
    list_select_related = ["lesson", "team", "created_by"]
    search_fields = ["team__name", "lesson__title"]
    raw_id_fields = ["created_by"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    """What the reminder command sent: a record, never edited by hand."""

    list_display = ["sent_on", "kind", "user", "assignment"]
    list_filter = ["kind", "sent_on"]
    list_select_related = ["user", "assignment__lesson", "assignment__team"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Who was invited where and what they answered: managers invite, invitees answer."""

    list_display = ["invitee", "team", "role", "status", "created_at", "answered_at"]
    list_filter = ["status", "role"]
    list_select_related = ["team"]
    search_fields = ["invitee", "team__name"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
