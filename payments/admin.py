"""Staff see every money record; none can be edited by hand (the ledger is append-only)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from experthive.admin import HistoryInline
from payments import services
from payments.models import (
    BankAccount,
    Escrow,
    EscrowEvent,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentEvent,
    Payout,
    PayoutEvent,
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
    list_display = ["gateway", "event_type", "reference", "status", "received_at", "processed_at"]
    list_filter = ["gateway", "status"]
    search_fields = ["reference", "dedupe_key"]
