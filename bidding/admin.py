from django.contrib import admin

from bidding.models import Bid, BidEvent, TutorStats


class EventInline(admin.TabularInline):
    model = BidEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ["question", "tutor", "amount", "currency", "delivery_hours", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["question__title", "tutor__email", "message"]
    raw_id_fields = ["question", "tutor"]
    readonly_fields = ["status", "created_at", "updated_at"]
    inlines = [EventInline]


@admin.register(TutorStats)
class TutorStatsAdmin(admin.ModelAdmin):
    list_display = ["tutor", "review_count", "rating", "completed_count", "on_time_rate", "bid_count"]
    search_fields = ["tutor__email"]
    readonly_fields = [f.name for f in TutorStats._meta.fields]
