from django.contrib import admin

from .models import GroupMapping, Identity


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    """Which group of the provider's groups claim puts people in which team.

    Takes effect at each person's next sign-in through the provider.
    """

    list_display = ["claim_value", "team", "role"]
    list_filter = ["role", "team"]
    search_fields = ["claim_value", "team__name"]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """Which provider account signs in as which user here.

    Accounts are never linked by e-mail address alone; to let an existing password
    account sign in through the provider, add its issuer and subject here.
    """

    list_display = ["user", "subject", "issuer", "last_sign_in_at"]
    search_fields = ["user__username", "user__email", "subject"]
    readonly_fields = ["created_at", "last_sign_in_at"]
    # A plain id box with a lookup: every account in one select would not scale, and the
    # admin's select2 autocomplete has no accessible name.
    raw_id_fields = ["user"]
