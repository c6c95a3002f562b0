from django.contrib import admin

from .models import OutgoingStatement


@admin.register(OutgoingStatement)
class OutgoingStatementAdmin(admin.ModelAdmin):
    """The queue, to see what waits and why; statements are written only by the site."""

    list_display = ["id", "queued_at", "attempts", "next_try_at", "sent_at", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = [*list_display, "payload"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
