from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff can see and delete (revoke) tokens; nobody can read or make a key here."""

    list_display = ["user", "name", "created_at", "last_used_at"]
    search_fields = ["user__email", "name"]
    readonly_fields = ["user", "name", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False
