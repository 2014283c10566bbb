from django.contrib import admin

from core.admin import HistoryInline
from questions.models import Attachment, Question, QuestionEvent


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields


class EventInline(HistoryInline):
    model = QuestionEvent


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "student", "subject", "level", "status", "budget", "currency", "bid_count", "created_at"]
    list_filter = ["status", "subject", "level", "currency"]
    search_fields = ["title", "student__email"]
    raw_id_fields = ["student"]
    readonly_fields = ["status", "bid_count", "lowest_bid", "created_at", "updated_at"]
    exclude = ("body_html", "search_document")
    inlines = [AttachmentInline, EventInline]
    date_hierarchy = "created_at"
