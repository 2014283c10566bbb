"""Reconciliation: finish what is stuck (payments, refunds, payouts, webhooks) and list every
difference between our records and the gateways'. Run it periodically (`manage.py reconcile_payments`)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from core.money import format_money
from payments import ledger
from payments.models import Account, Escrow, LedgerEntry, Payment, Payout, Refund, WebhookEvent
from payments.services.checkout import close_checkout, confirm_payment, link_lifetime
from payments.services.payouts import send_payout
from payments.services.refunds import send_refund
from payments.services.webhooks import process_webhook


@dataclass
class Report:
    payments_checked: int = 0
    refunds_checked: int = 0
    payouts_checked: int = 0
    webhooks_retried: int = 0
    mismatches: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        done = (
            f"payments re-verified: {self.payments_checked}, refunds checked: {self.refunds_checked}, "
            f"payouts checked: {self.payouts_checked}, webhooks retried: {self.webhooks_retried}"
        )
        return [done, *(self.mismatches or ["no mismatches"])]


def reconcile(*, now: datetime | None = None, everything: bool = False) -> Report:
    """Re-check with the gateway everything still pending after the timeout (or all of it, for staff
    asking now); every step is idempotent."""
    wait = timedelta(0) if everything else timedelta(minutes=settings.RECONCILE_AFTER_MINUTES)
    before = (now or timezone.now()) - wait
    report = Report()
    expired = link_expired_before(now)
    for payment in Payment.objects.filter(status=Payment.Status.PENDING, created_at__lte=before):
        payment = confirm_payment(payment=payment)
        if payment.status == Payment.Status.PENDING and payment.created_at < expired:
            close_checkout(payment, reason="the checkout link expired unpaid")  # so it isn't asked about forever
        report.payments_checked += 1
    for payment in recently_closed_checkouts(now=now):
        confirm_payment(payment=payment)  # paid in a tab left open after we closed its checkout?
        report.payments_checked += 1
    for refund in Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=before):
        send_refund(refund_id=refund.pk, now=now)
        report.refunds_checked += 1
    for payout in Payout.objects.filter(status=Payout.Status.PENDING, created_at__lte=before):
        send_payout(payout_id=payout.pk)
        report.payouts_checked += 1
    for event in WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED, received_at__lte=before):
        process_webhook(event_id=event.pk)
        report.webhooks_retried += 1
    report.mismatches = find_mismatches()
    return report


def link_expired_before(now: datetime | None) -> datetime:
    """Checkouts made before this can no longer be paid on their link (its lifetime, twice for margin)."""
    return (now or timezone.now()) - 2 * link_lifetime()


def recently_closed_checkouts(*, now: datetime | None = None):
    """Checkouts we cancelled or saw fail whose hosted page may still be open and paid: until their link
    expires (and a margin). Older ones are left to the comparison with the gateway's own list."""
    since = link_expired_before(now)
    return Payment.objects.filter(
        status__in=[Payment.Status.CANCELLED, Payment.Status.FAILED], verified_at=None, created_at__gte=since
    ).exclude(checkout_url="")


def find_mismatches() -> list[str]:
    """Differences inside our own books, read without calling any gateway (the comparison with the
    gateways' records runs in the background: `gateway_records`)."""
    return _ledger_mismatches() + _escrow_mismatches()


def _ledger_mismatches() -> list[str]:
    return [
        f"Ledger out of balance in {currency}: entries sum to {total}."
        for currency, total in ledger.totals_by_currency().items()
        if total
    ]


def _escrow_mismatches() -> list[str]:
    """Escrow rows still held must equal the ledger's escrow balance for their engagement."""
    problems = []
    held = {e.engagement_id: e for e in Escrow.objects.filter(status=Escrow.Status.HELD)}
    balances = (
        LedgerEntry.objects.filter(account=Account.ESCROW)
        .values("engagement_id", "currency")
        .annotate(total=Sum("amount"))
    )
    for row in balances:
        escrow = held.get(row["engagement_id"])
        # Money paid in another currency is refunded straight away: only the escrow's currency is held.
        expected = escrow.amount if escrow is not None and escrow.currency == row["currency"] else 0
        if row["total"] != expected:
            problems.append(
                f"Engagement {row['engagement_id']}: ledger escrow {format_money(row['total'], row['currency'])}, "
                f"records say {format_money(expected, row['currency'])}."
            )
    return problems
