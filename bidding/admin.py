from django.contrib import admin

from bidding.models import Bid, BidEvent, TutorStats
from core.admin import HistoryInline


class EventInline(HistoryInline):
    model = BidEvent


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
