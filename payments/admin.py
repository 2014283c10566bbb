"""Staff see every money record; none can be edited by hand (the ledger is append-only).
Engagements are managed here too, where their money is decided (dispute actions)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html

from core.admin import HistoryInline
from engagements.models import Engagement, EngagementEvent
from payments import services
from payments.models import (
    BankAccount,
    Chargeback,
    Discrepancy,
    Escrow,
    EscrowEvent,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentEvent,
    Payout,
    PayoutEvent,
    ReconciliationRun,
    Refund,
    RefundEvent,
    WebhookEvent,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentEventInline(HistoryInline):
    model = PaymentEvent


class EscrowEventInline(HistoryInline):
    model = EscrowEvent


class RefundEventInline(HistoryInline):
    model = RefundEvent


class PayoutEventInline(HistoryInline):
    model = PayoutEvent


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["reference", "engagement", "student", "gateway", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "gateway", "currency"]
    search_fields = ["reference", "gateway_id", "student__email"]
    inlines = [PaymentEventInline]


@admin.register(Escrow)
class EscrowAdmin(ReadOnly):
    list_display = ["engagement", "amount", "currency", "status", "to_tutor", "commission", "to_student", "settled_at"]
    list_filter = ["status", "currency"]
    inlines = [EscrowEventInline]


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ["payment", "amount", "currency", "status", "attempts", "gateway_id", "reason", "created_at"]
    list_filter = ["status"]
    actions = ["retry"]
    inlines = [RefundEventInline]

    @admin.action(description="Retry the selected failed refunds")
    def retry(self, request, queryset):
        for refund in queryset:
            try:
                services.retry_refund(refund=refund, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{refund}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )


@admin.register(Payout)
class PayoutAdmin(ReadOnly):
    list_display = ["reference", "tutor", "amount", "currency", "status", "created_at", "paid_at"]
    list_filter = ["status", "currency"]
    search_fields = ["reference", "tutor__email"]
    inlines = [PayoutEventInline]


@admin.register(Chargeback)
class ChargebackAdmin(ReadOnly):
    list_display = ["gateway_id", "payment", "amount", "currency", "status", "opened_at", "closed_at"]
    list_filter = ["status", "gateway"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnly):
    """Staff resolve these on /staff/payments/, where each class's rule is explained."""

    list_display = ["kind", "key", "state", "amount", "currency", "gateway", "found_at", "resolved_by"]
    list_filter = ["state", "kind", "gateway"]
    search_fields = ["key", "note"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnly):
    list_display = ["pk", "status", "since", "until", "records_seen", "differences", "created_at", "finished_at"]
    list_filter = ["status"]


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnly):
    list_display = ["user", "bank_name", "account_number", "account_name", "currency"]
    search_fields = ["user__email", "account_name"]


class EntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ("account", "user", "engagement", "amount", "currency")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly):
    list_display = ["idempotency_key", "kind", "currency", "description", "created_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["idempotency_key", "description"]
    inlines = [EntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnly):
    list_display = ["transaction", "account", "user", "engagement", "amount", "currency", "created_at"]
    list_filter = ["account", "currency"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly):
    list_display = ["gateway", "event_type", "reference", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["gateway", "status"]
    search_fields = ["reference", "dedupe_key"]
    actions = ["replay"]

    @admin.action(description="Replay: process again (dead, failed or ignored events)")
    def replay(self, request, queryset):
        for event in queryset:
            try:
                event = services.replay_webhook(event=event, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{event}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR)
            else:
                self.message_user(request, f"{event}: now {event.get_status_display().lower()}.")


class EngagementEventInline(HistoryInline):
    model = EngagementEvent


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "student", "tutor", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["question__title", "student__email", "tutor__email"]
    readonly_fields = [*(f.name for f in Engagement._meta.fields), "resolve_link"]
    inlines = [EngagementEventInline]
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
            lambda e: services.resolve_dispute(engagement=e, by=request.user, outcome="release"),
            "Released {count} engagement(s) to the tutor.",
        )

    @admin.action(description="Resolve dispute: refund the student")
    def refund_student(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda e: services.resolve_dispute(engagement=e, by=request.user, outcome="refund"),
            "Refunded {count} engagement(s) to the student.",
        )
