from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from . import enrolment, mfa

User = get_user_model()


class AccountAdmin(UserAdmin):
    """Django's user admin, plus the superuser's way to let staff set up a first device."""

    actions = ["make_enrolment_link"]

    def has_enrolment_link_permission(self, request):
        return request.user.is_superuser

    @admin.action(
        description="Make a one-time second-factor set-up link",
        permissions=["enrolment_link"],
    )
    def make_enrolment_link(self, request, queryset):
        for user in queryset.order_by("username"):
            if mfa.second_factor_enabled(user):
                self.message_user(
                    request,
                    f"{user.get_username()} already has a second factor; "
                    "replacing it takes a current code.",
                    messages.WARNING,
                )
                continue
            token = enrolment.grant_create(user=user, created_by=request.user)
            url = request.build_absolute_uri(enrolment.link_path(token))
            self.message_user(
                request,
                f"Set-up link for {user.get_username()} (works once, while they are signed "
                f"in, for the next {settings.STAFF_ENROLMENT_LINK_MINUTES} minutes; "
                f"give it to them privately): {url}",
                messages.SUCCESS,
            )


admin.site.unregister(User)
admin.site.register(User, AccountAdmin)
