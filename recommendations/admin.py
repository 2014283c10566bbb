from django.contrib import admin

from recommendations.models import Impression, Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["question", "tutor", "invited_by", "created_at"]
    raw_id_fields = ["question", "tutor", "invited_by"]


@admin.register(Impression)
class ImpressionAdmin(admin.ModelAdmin):
    list_display = [
        "surface",
        "viewer",
        "question",
        "tutor",
        "position",
        "score",
        "bid_at",
        "won_at",
        "rating",
        "shown_at",
    ]
    list_filter = ["surface", "explored"]
    raw_id_fields = ["viewer", "question", "tutor"]
    readonly_fields = [field.name for field in Impression._meta.fields]
