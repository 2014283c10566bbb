from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html

from engagements.models import Delivery, Engagement, EngagementEvent
from experthive.admin import HistoryInline
from payments import services as payment_services


class EventInline(HistoryInline):
    model = EngagementEvent


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "student", "tutor", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["question__title", "student__email", "tutor__email"]
    readonly_fields = [*(f.name for f in Engagement._meta.fields), "resolve_link"]
    inlines = [EventInline]
    actions = ["release_to_tutor", "refund_student"]

    @admin.display(description="Dispute")
    def resolve_link(self, obj):
        if obj.status != Engagement.Status.DISPUTED:
            return "—"
        return format_html(
            '<a href="{}">Resolve: release, refund or split</a>', reverse("dispute_resolve", args=[obj.pk])
        )

    def has_add_permission(self, request):
        return False

    def _each(self, request, queryset, action, done: str):
        count = 0
        for engagement in queryset:
            try:
                action(engagement)
                count += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{engagement}: {text}", messages.ERROR)
        self.message_user(request, done.format(count=count))

    @admin.action(description="Resolve dispute: release to the tutor")
    def release_to_tutor(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda e: payment_services.resolve_dispute(engagement=e, by=request.user, outcome="release"),
            "Released {count} engagement(s) to the tutor.",
        )

    @admin.action(description="Resolve dispute: refund the student")
    def refund_student(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda e: payment_services.resolve_dispute(engagement=e, by=request.user, outcome="refund"),
            "Refunded {count} engagement(s) to the student.",
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["engagement", "created_at"]
    readonly_fields = ["engagement", "message", "created_at"]
    exclude = ["message_html"]
