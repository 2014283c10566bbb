from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from engagements import services
from engagements.models import Delivery, Engagement, EngagementEvent
from experthive.admin import HistoryInline


class EventInline(HistoryInline):
    model = EngagementEvent


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "student", "tutor", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["question__title", "student__email", "tutor__email"]
    readonly_fields = [f.name for f in Engagement._meta.fields]
    inlines = [EventInline]
    actions = ["mark_funded", "release_to_tutor", "refund_student"]

    def has_add_permission(self, request):
        return False

    def _each(self, request, queryset, action, done: str):
        count = 0
        for engagement in queryset:
            try:
                action(engagement)
                count += 1
            except ValidationError as exc:
                self.message_user(request, f"{engagement}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, done.format(count=count))

    @admin.action(description="TESTING ONLY: mark as paid (until online payment is live)")
    def mark_funded(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda e: services.mark_funded(engagement=e, by=request.user, note=f"marked paid by {request.user}"),
            "Marked {count} engagement(s) as paid.",
        )

    @admin.action(description="Resolve dispute: release to the tutor")
    def release_to_tutor(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda e: services.resolve_dispute(engagement=e, by=request.user, release_to_tutor=True, note=""),
            "Released {count} engagement(s) to the tutor.",
        )

    @admin.action(description="Resolve dispute: refund the student")
    def refund_student(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda e: services.resolve_dispute(engagement=e, by=request.user, release_to_tutor=False, note=""),
            "Refunded {count} engagement(s) to the student.",
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["engagement", "created_at"]
    readonly_fields = ["engagement", "message", "created_at"]
    exclude = ["message_html"]
