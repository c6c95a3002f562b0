from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.html import format_html

from .models import Certificate
from .services import certificate_revoke


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the admin and the audit trail; the public page shows only the date.",
    )


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are issued by the site and never edited or deleted: only revoked."""

    list_display = ["recipient_name", "lesson_title", "verdict", "earned_at", "revoked_at"]
    list_filter = ["verdict", ("revoked_at", admin.EmptyFieldListFilter), "earned_at"]
    list_select_related = ["lesson"]
    search_fields = ["recipient_name", "lesson_title", "user__username"]
    readonly_fields = [
        "public_page",
        "recipient_name",
        "lesson_title",
        "verdict",
        "earned_at",
        "issued_at",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
    ]
    fields = readonly_fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm("certificates.revoke_certificate")

    @admin.display(description="Public page")
    def public_page(self, obj):
        return format_html('<a href="{0}">{0}</a>', obj.get_absolute_url())

    @admin.action(description="Revoke the selected certificates", permissions=["revoke"])
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for certificate in queryset:
                certificate_revoke(
                    certificate=certificate, by=request.user, reason=form.cleaned_data["reason"]
                )
            self.message_user(
                request, f"Revoked {queryset.count()} certificate(s).", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke certificates",
            "opts": self.model._meta,
            "certificates": queryset,
            "form": form,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certificates/revoke.html", context)
