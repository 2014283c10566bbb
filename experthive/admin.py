from django.contrib import admin

from experthive.models import ClockRun


@admin.register(ClockRun)
class ClockRunAdmin(admin.ModelAdmin):
    """What the clock did and when: read-only, written by the clocks alone."""

    list_display = ["job", "started_at", "finished_at", "ok", "host"]
    list_filter = ["job", "ok"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
