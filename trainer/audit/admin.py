from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail, read-only for everyone: no one adds, edits or deletes a past event.

    Superusers and members of the "Auditor" group (view permission only) see it.
    """

    list_display = ("at", "actor_repr", "action", "object_type", "object_repr", "ip")
    list_filter = ("action", "object_type", "at")
    search_fields = ("actor_repr", "object_repr", "object_id", "ip", "user_agent")
    date_hierarchy = "at"
    list_select_related = False
    fields = (
        "at",
        "actor_repr",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "change_table",
        "ip",
        "user_agent",
    )
    readonly_fields = fields

    @admin.display(description="Changes")
    def change_table(self, event):
        if not event.changes:
            return "-"
        rows = []
        for name, value in event.changes.items():
            if (
                isinstance(value, list)
                and len(value) == 2
                and event.action
                in (
                    "create",
                    "update",
                    "delete",
                )
            ):
                rows.append((name, f"{value[0]} → {value[1]}"))
            else:
                rows.append(
                    (name, ", ".join(map(str, value)) if isinstance(value, list) else value)
                )
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
