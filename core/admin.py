from django.contrib import admin


class HistoryInline(admin.TabularInline):
    """A read-only list of a model's status changes; history is append-only."""

    extra = 0
    can_delete = False
    fields = readonly_fields = ("from_status", "to_status", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None):
        return False
