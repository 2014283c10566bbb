from django.contrib import admin

from chat.models import Conversation, Message, MessageFile, Participant


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["seq", "sender", "text", "masked", "created_at"]
    readonly_fields = ["seq", "sender", "text", "masked", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Read-only: staff read conversations to settle disputes; they never write in them."""

    list_display = ["pk", "bid", "student", "tutor", "last_seq", "last_message_at"]
    search_fields = ["student__email", "tutor__email", "bid__question__title"]
    raw_id_fields = ["bid", "student", "tutor"]
    readonly_fields = ["bid", "student", "tutor", "last_seq", "last_message_at", "created_at"]
    inlines = [MessageInline]


admin.site.register(Participant, list_display=["conversation", "user", "last_read_seq", "last_read_at"])
admin.site.register(MessageFile, list_display=["original_name", "message", "content_type", "size"])
