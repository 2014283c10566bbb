from django.contrib import admin

from engagements.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["engagement", "created_at"]
    readonly_fields = ["engagement", "message", "created_at"]
    exclude = ["message_html"]
