"""What must hold once reconciliation has settled, whatever happened before."""

from django.db.models import Sum

from core.money import format_money
from payments import ledger, services
from payments.models import AT_GATEWAY, Account, Discrepancy, Escrow, Payment, Payout, Refund
from payments.sandbox import holdings
from payments.sandbox.models import SandboxCharge, SandboxRefund, SandboxTransfer
from tests.money_chaos.state import ENDED

# --- The invariants ----------------------------------------------------------------------------------


def books_say_at_gateway(currency: str) -> int:
    """What our books say must still be at the gateway for us, in one currency: the ledger accounts for
    money that has not left (`payments.models.AT_GATEWAY`: escrow, refunds owed, the tutors' available
    balances and payouts in flight, platform revenue, what chargebacks froze). The rest is money that came
    in (student funding) or went out (paid out, gateway fees, lost to chargebacks); the ledger sums to
    zero, so the accounts counted are exactly minus those."""
    return ledger.LedgerEntry.objects.filter(account__in=AT_GATEWAY, currency=currency).balance()


def gateway_holds(currency: str) -> dict[str, int]:
    """From the sandbox's own records (`payments.sandbox.holdings`): what was paid, less the fees it kept,
    the refunds it made, the transfers that left (a reversed one came back, less its fee) and the
    chargebacks lost. The parts are for the message."""
    paid = SandboxCharge.objects.filter(currency=currency, status__in=("successful", "success"))
    refunds = SandboxRefund.objects.filter(charge__currency=currency).exclude(status="failed")
    transfers = SandboxTransfer.objects.filter(currency=currency, status="successful")
    parts = {
        "paid": paid.aggregate(total=Sum("paid_amount"))["total"] or 0,
        "fees": paid.aggregate(total=Sum("fee"))["total"] or 0,
        "refunded": refunds.aggregate(total=Sum("amount"))["total"] or 0,
        "transferred": transfers.aggregate(total=Sum("amount"))["total"] or 0,
    }
    parts["holds"] = sum(holdings(gateway).get(currency, 0) for gateway in ("flutterwave", "paystack"))
    return parts


def currencies_seen() -> list[str]:
    from_gateway = SandboxCharge.objects.values_list("currency", flat=True).distinct()
    from_books = ledger.LedgerEntry.objects.values_list("currency", flat=True).distinct()
    return sorted(set(from_gateway) | set(from_books))


def broken_invariants() -> list[str]:
    return [
        *ledger_unbalanced(),
        *gateway_differs_from_books(),
        *escrow_left_on_ended_engagements(),
        *captured_money_unaccounted(),
        *left_pending(),
        *gateway_refunds_without_ours(),
        *transfers_differ_from_payouts(),
        *reconciliation_report_not_clean(),
    ]


def ledger_unbalanced() -> list[str]:
    return [
        f"(a) ledger out of balance in {c}: entries sum to {t}" for c, t in ledger.totals_by_currency().items() if t
    ]


def gateway_differs_from_books(currency_list: list[str] | None = None) -> list[str]:
    problems = []
    for currency in currency_list or currencies_seen():
        gateway, books = gateway_holds(currency), books_say_at_gateway(currency)
        if gateway["holds"] != books:
            money = {k: format_money(v, currency) for k, v in gateway.items()}
            pending = Refund.objects.filter(currency=currency, status=Refund.Status.PENDING).count()
            failed = Refund.objects.filter(currency=currency, status=Refund.Status.FAILED)
            problems.append(
                f"(b) {currency}: the gateway holds {money['holds']} (paid {money['paid']} - fees {money['fees']}"
                f" - refunded {money['refunded']} - transferred {money['transferred']}), the books say"
                f" {format_money(books, currency)}: off by {format_money(gateway['holds'] - books, currency)}"
                f" [refunds pending: {pending}, failed: {failed.count()}"
                f" ({format_money(failed.aggregate(t=Sum('amount'))['t'] or 0, currency)})]"
            )
    return problems


def escrow_left_on_ended_engagements() -> list[str]:
    held = Escrow.objects.filter(status=Escrow.Status.HELD, engagement__status__in=ENDED).select_related("engagement")
    problems = [
        f"(c) engagement {e.engagement_id} is {e.engagement.status} but {format_money(e.amount, e.currency)} is"
        " still held in escrow"
        for e in held
    ]
    ledger_held = (
        ledger.LedgerEntry.objects.filter(account=Account.ESCROW, engagement__status__in=ENDED)
        .values("engagement_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    problems += [
        f"(c) engagement {row['engagement_id']} has ended but the ledger's escrow for it holds"
        f" {format_money(row['total'], row['currency'])}"
        for row in ledger_held
    ]
    return problems


def captured_money_unaccounted() -> list[str]:
    """Each payment the gateway captured is held in escrow, released (to the tutor and commission),
    or refunded by a refund the gateway made: to the last minor unit."""
    problems = []
    for charge in SandboxCharge.objects.filter(status__in=("successful", "success")).order_by("pk"):
        payment = Payment.objects.filter(reference=charge.reference).first()
        if payment is None:
            problems.append(f"(c) the gateway captured {charge.reference}, which we have no record of")
            continue
        accounted = _accounted(payment)
        if accounted != charge.paid_amount:
            problems.append(
                f"(c) {payment.reference} ({payment.status}, engagement {payment.engagement_id}): the gateway"
                f" captured {format_money(charge.paid_amount, charge.currency)}, we account for"
                f" {format_money(accounted, charge.currency)} (escrow held/released + refunds done)"
            )
    return problems


def _accounted(payment: Payment) -> int:
    """Kept (held, or released to the tutor and commission) plus refunded through us, plus refunds the
    gateway refused that wait for staff (the money stays held). A refund made on the dashboard and a
    chargeback are taken from platform revenue, not from this payment's share, so they don't count."""
    ours = payment.refunds.filter(booked_as_owed=True)
    refunded = ours.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))["total"] or 0
    refused = [r for r in ours.filter(status=Refund.Status.FAILED) if _waits_for_staff(r)]
    refunded += sum(r.amount for r in refused)
    escrow = Escrow.objects.filter(payment=payment).first()
    if escrow is None:
        return refunded
    kept = escrow.amount if escrow.status == Escrow.Status.HELD else escrow.to_tutor + escrow.commission
    return kept + refunded


def _waits_for_staff(refund: Refund) -> bool:
    return Discrepancy.objects.filter(
        kind=Discrepancy.Kind.REFUND_REFUSED, key=f"refund:{refund.pk}", state=Discrepancy.State.NEEDS_STAFF
    ).exists()


def left_pending() -> list[str]:
    refunds = Refund.objects.filter(status=Refund.Status.PENDING).select_related("payment")
    payouts = Payout.objects.filter(status=Payout.Status.PENDING)
    problems = [
        f"(c) refund {r.pk} of {format_money(r.amount, r.currency)} for {r.payment.reference} still pending"
        f" after reconciliation (attempts {r.attempts}, gateway id {r.gateway_id or 'none'})"
        for r in refunds
    ]
    problems += [
        f"(c) payout {p.reference} of {format_money(p.amount, p.currency)} still pending after reconciliation"
        for p in payouts
    ]
    return problems


def gateway_refunds_without_ours() -> list[str]:
    problems = []
    for made in SandboxRefund.objects.exclude(status="failed").select_related("charge").order_by("pk"):
        ours = Refund.objects.filter(payment__reference=made.charge.reference, gateway_id=str(made.pk)).first()
        if ours is None:
            problems.append(
                f"(c) the gateway refunded {format_money(made.amount, made.charge.currency)} of"
                f" {made.charge.reference} (its refund {made.pk}) with no refund of ours matching it"
            )
        elif ours.amount != made.amount or ours.status != Refund.Status.SUCCEEDED:
            problems.append(
                f"(c) gateway refund {made.pk} ({format_money(made.amount, made.charge.currency)}) is matched by"
                f" our refund {ours.pk} of {format_money(ours.amount, ours.currency)}, {ours.status}"
            )
    return problems


def transfers_differ_from_payouts() -> list[str]:
    problems = []
    payouts = {p.reference: p for p in Payout.objects.all()}
    for transfer in SandboxTransfer.objects.order_by("pk"):
        payout = payouts.pop(transfer.reference, None)
        status = {
            "successful": Payout.Status.SUCCEEDED,
            "failed": Payout.Status.FAILED,
            "reversed": Payout.Status.REVERSED,
        }.get(transfer.status)
        if payout is None or payout.amount != transfer.amount or payout.status != status:
            ours = f"our payout is {payout.status} {_money(payout.amount, payout.currency)}" if payout else "no payout"
            theirs = f"{transfer.status} {_money(transfer.amount, transfer.currency)}"
            problems.append(f"(c) transfer {transfer.reference} {theirs}: {ours}")
    problems += [
        f"(c) payout {p.reference} is {p.status} but the gateway has no transfer for it"
        for p in payouts.values()
        if p.status == Payout.Status.SUCCEEDED
    ]
    return problems


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency)


# Differences the run causes on purpose (refunds on the dashboard, chargebacks, and the refunds of ours
# the gateway then refuses): staff are told of them. Any other class waiting for staff is unexplained.
EXPLAINED = [Discrepancy.Kind.REFUND_ELSEWHERE, Discrepancy.Kind.CHARGEBACK, Discrepancy.Kind.REFUND_REFUSED]


def reconciliation_report_not_clean() -> list[str]:
    problems = [f"(d) reconciliation reports: {line}" for line in services.find_mismatches()]
    unexplained = Discrepancy.objects.filter(state=Discrepancy.State.NEEDS_STAFF).exclude(kind__in=EXPLAINED)
    problems += [f"(d) waiting for staff, unexplained: {d.get_kind_display()} {d.key}: {d.note}" for d in unexplained]
    return problems
