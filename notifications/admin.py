from django.contrib import admin

from core.admin import HistoryInline
from notifications import services
from notifications.models import Notification, OutboundMessage, OutboundMessageEvent, PhoneVerification, SmsOptOut


class EventInline(HistoryInline):
    model = OutboundMessageEvent


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "kind",
        "to",
        "status",
        "provider",
        "provider_message_id",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "provider", "kind"]
    search_fields = ["to", "provider_message_id", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [EventInline]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # staff read the outbox; only services change it (the Retry action is one)

    @admin.action(description="Retry the selected failed messages")
    def retry(self, request, queryset):
        count = services.retry_messages(messages=queryset, by=request.user)
        self.message_user(request, f"Queued {count} failed message(s) for another try.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "in_app", "read_at"]
    list_filter = ["kind", "in_app"]
    search_fields = ["user__email", "title"]
    list_select_related = ["user"]
    readonly_fields = ["user", "kind", "title", "url", "in_app", "created_at", "read_at"]


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ["phone", "source", "created_at"]
    search_fields = ["phone"]


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "phone", "ip", "wrong_tries", "used_at", "expires_at"]
    search_fields = ["user__email", "phone", "ip"]
    list_select_related = ["user"]
    exclude = ["code_hash"]
    readonly_fields = ["user", "phone", "ip", "created_at", "expires_at", "wrong_tries", "used_at"]
