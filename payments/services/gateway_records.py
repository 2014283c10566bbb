"""Our books against each gateway's own records: every charge, refund, transfer and chargeback the
gateway lists for a window is matched to our rows by reference, and every difference is settled by a
named rule (see `Discrepancy.Kind`) or left for staff.

It streams: records are read page by page and matched a chunk at a time (one query per chunk), so
memory stays flat however many a window holds. It runs in the background (a task, or the clock) and
writes its progress and findings; the staff page only reads them. Each rule is idempotent, so a run
that stops half-way is simply run again.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from itertools import islice
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.money import format_money, offered_currencies
from payments import ledger
from payments.gateways import Gateway, GatewayError, gateway_for_currency, get_gateway
from payments.gateways.base import Charge, RefundResult, TransferResult, Verification
from payments.gateways.base import Chargeback as GatewayChargeback
from payments.models import (
    Account,
    Chargeback,
    Discrepancy,
    Payment,
    Payout,
    ReconciliationRun,
    Refund,
)
from payments.services import discrepancies
from payments.services.checkout import confirm_payment
from payments.services.payouts import apply_transfer_result, book_transfer_fee
from payments.services.refunds import send_refund

log = logging.getLogger("payments.reconcile")

CHUNK = 500
T = TypeVar("T")

ALREADY_RUNNING = "A comparison is already running; its progress is below."
REFUNDED_ELSEWHERE = (
    "Refunded at {gateway}, not through the site: booked against platform revenue. Check the engagement."
)


def gateways_in_use() -> list[str]:
    return sorted({gateway_for_currency(currency).name for currency in offered_currencies()})


def start_comparison(*, by: User | None = None, days: int | None = None) -> ReconciliationRun:
    """Queue a comparison of the last `days`; one at a time (a second request gets the running one)."""
    active = ReconciliationRun.objects.filter(
        status__in=[ReconciliationRun.Status.QUEUED, ReconciliationRun.Status.RUNNING],
        created_at__gte=timezone.now() - timedelta(hours=1),  # older ones died with their worker
    ).first()
    if active is not None:
        return active
    until = timezone.now().date() + timedelta(days=1)  # the gateways' time zone may be ahead of ours
    run = ReconciliationRun.objects.create(
        requested_by=by, since=until - timedelta(days=(days or settings.RECONCILE_WINDOW_DAYS) + 1), until=until
    )
    from payments.tasks import compare_with_gateways_task

    transaction.on_commit(lambda: compare_with_gateways_task.enqueue(run_id=run.pk))
    return run


def compare_with_gateways(*, run_id: int) -> ReconciliationRun:
    """Read every gateway's records for the run's window and settle each difference."""
    claimed = ReconciliationRun.objects.filter(pk=run_id, status=ReconciliationRun.Status.QUEUED).update(
        status=ReconciliationRun.Status.RUNNING, started_at=timezone.now()
    )
    run = ReconciliationRun.objects.get(pk=run_id)
    if not claimed:
        return run  # another worker has it, or it is done
    try:
        for name in gateways_in_use():
            _compare_one(run, get_gateway(name))
    except GatewayError as exc:
        return _finish(run, ReconciliationRun.Status.FAILED, error=f"The gateway stopped answering: {exc}")
    return _finish(run, ReconciliationRun.Status.FINISHED)


def _finish(run: ReconciliationRun, status: str, *, error: str = "") -> ReconciliationRun:
    ReconciliationRun.objects.filter(pk=run.pk).update(
        status=status, stage="", error=error[:300], finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def _compare_one(run: ReconciliationRun, gateway: Gateway) -> None:
    window = {"since": run.since, "until": run.until}
    stages: list[tuple[str, Iterable, Callable]] = [
        ("payments", gateway.list_charges(**window), _charges),
        ("refunds", gateway.list_all_refunds(**window), _refunds),
        ("transfers", gateway.list_transfers(**window), _transfers),
        ("chargebacks", gateway.list_chargebacks(**window), _chargebacks),
    ]
    for stage, records, match in stages:
        ReconciliationRun.objects.filter(pk=run.pk).update(stage=f"{gateway.name}: {stage}")
        for chunk in chunks(records, CHUNK):
            found = match(gateway, chunk, run)
            ReconciliationRun.objects.filter(pk=run.pk).update(
                records_seen=F("records_seen") + len(chunk), differences=F("differences") + found
            )
    _missing_at_gateway(run, gateway)


def chunks[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- Payments --------------------------------------------------------------------------------------


def _charges(gateway: Gateway, charges: list[Charge], run: ReconciliationRun) -> int:
    ours = Payment.objects.filter(gateway=gateway.name).in_bulk([c.reference for c in charges], field_name="reference")
    seen = [ours[c.reference].pk for c in charges if c.reference in ours]
    Payment.objects.filter(pk__in=seen).update(seen_in_run=run.pk)
    return sum(_charge(gateway, charge, ours.get(charge.reference)) for charge in charges)


def _charge(gateway: Gateway, charge: Charge, payment: Payment | None) -> bool:
    """True when this charge was a difference (settled here or left for staff)."""
    paid = charge.status == "succeeded"
    if payment is None:
        if not paid:
            return False
        _unknown(
            Discrepancy.Kind.UNKNOWN_CHARGE,
            gateway,
            charge,
            "Money taken at the gateway under a reference the books don't know.",
        )
        return True
    if paid and payment.verified_at is None:
        # Captured on a checkout still pending, cancelled or failed in our books: the named rules of
        # verification apply (credited if the work still awaits payment, otherwise refunded).
        confirm_payment(payment=payment, verification=_as_verification(charge))
        return payment.status != Payment.Status.PENDING
    if not paid and payment.status == Payment.Status.SUCCEEDED:
        _missing(payment, f"Credited in our books; {gateway.name} lists it as {charge.status}.")
        return True
    return False


def _as_verification(charge: Charge) -> Verification:
    return Verification(
        reference=charge.reference,
        gateway_id=charge.gateway_id,
        status=charge.status,
        amount=charge.amount,
        currency=charge.currency,
        fee=charge.fee,
    )


def _missing_at_gateway(run: ReconciliationRun, gateway: Gateway) -> None:
    """Payments we credited in the window that the gateway's list never showed."""
    unseen = Payment.objects.filter(
        gateway=gateway.name,
        status=Payment.Status.SUCCEEDED,
        verified_at__date__gt=run.since,  # a day's margin for the gateway's time zone
        verified_at__lt=run.started_at,  # credited after the list was read: the next run sees it
    ).exclude(seen_in_run=run.pk)
    for payment in unseen.iterator():
        _missing(payment, f"Credited in our books; {gateway.name} does not list it.")


def _missing(payment: Payment, note: str) -> None:
    discrepancies.record(
        kind=Discrepancy.Kind.MISSING_AT_GATEWAY,
        key=payment.reference,
        gateway=payment.gateway,
        settled=False,
        note=note,
        amount=payment.amount,
        currency=payment.currency,
        payment=payment,
    )


def _unknown(kind: str, gateway: Gateway, found: Charge | TransferResult, note: str) -> None:
    """Money moved at the gateway under a reference the books don't have: only staff can say whose."""
    discrepancies.record(
        kind=kind,
        key=f"{gateway.name}:{found.reference or found.gateway_id}",
        gateway=gateway.name,
        settled=False,
        note=note,
        amount=found.amount,
        currency=found.currency,
    )


# --- Refunds ---------------------------------------------------------------------------------------


def _refunds(gateway: Gateway, listed: list[RefundResult], run: ReconciliationRun) -> int:
    ours = {
        (refund.payment.reference, refund.gateway_id): refund
        for refund in Refund.objects.filter(
            payment__gateway=gateway.name, gateway_id__in=[r.gateway_id for r in listed]
        ).select_related("payment")
    }
    return sum(_refund(gateway, found, ours.get((found.reference, found.gateway_id))) for found in listed)


def _refund(gateway: Gateway, found: RefundResult, refund: Refund | None) -> bool:
    if refund is not None:
        if refund.status == Refund.Status.PENDING:
            send_refund(refund_id=refund.pk)  # the gateway has finished it: pick up the answer
        return False
    if found.status == "failed":
        return False  # returned nothing
    payment = Payment.objects.filter(gateway=gateway.name, reference=found.reference).first()
    if payment is None:
        return False  # a refund of a charge the books don't know: that charge is already a difference
    pending = list(Refund.objects.filter(payment=payment, status=Refund.Status.PENDING))
    if pending:
        # One of ours may be this one, sent and not yet answered: let it adopt the gateway's refund first.
        for refund in pending:
            send_refund(refund_id=refund.pk)
        return False
    book_refund_made_elsewhere(payment, found)
    return True


@transaction.atomic
def book_refund_made_elsewhere(payment: Payment, found: RefundResult) -> None:
    """Money sent back from the gateway's dashboard: the books follow it (out of platform revenue, since
    no escrow was asked) and staff decide whether the engagement's escrow should change."""
    Payment.objects.select_for_update().get(pk=payment.pk)
    if Refund.objects.filter(payment=payment, gateway_id=found.gateway_id).exists():
        return
    note = REFUNDED_ELSEWHERE.format(gateway=payment.gateway.title())
    refund = Refund.objects.create(
        payment=payment,
        amount=found.amount,
        currency=found.currency or payment.currency,
        reason=note,
        status=Refund.Status.SUCCEEDED,
        gateway_id=found.gateway_id,
        booked_as_owed=False,
    )
    ledger.post(
        key=f"refund:{refund.pk}:elsewhere",
        kind="refund_elsewhere",
        currency=refund.currency,
        engagement=payment.engagement,
        description=f"Refund {found.gateway_id} of {payment.reference} made at {payment.gateway}",
        legs=[
            ledger.Leg(Account.PLATFORM_REVENUE, -refund.amount),
            ledger.Leg(Account.STUDENT_FUNDING, refund.amount, user=payment.student),
        ],
    )
    discrepancies.record(
        kind=Discrepancy.Kind.REFUND_ELSEWHERE,
        key=f"{payment.gateway}:refund:{found.gateway_id}",
        gateway=payment.gateway,
        settled=False,
        note=note,
        amount=refund.amount,
        currency=refund.currency,
        payment=payment,
    )


# --- Transfers -------------------------------------------------------------------------------------


def _transfers(gateway: Gateway, listed: list[TransferResult], run: ReconciliationRun) -> int:
    ours = Payout.objects.filter(gateway=gateway.name).in_bulk([t.reference for t in listed], field_name="reference")
    return sum(_transfer(gateway, found, ours.get(found.reference)) for found in listed)


def _transfer(gateway: Gateway, found: TransferResult, payout: Payout | None) -> bool:
    if payout is None:
        if found.status == "failed":
            return False
        _unknown(
            Discrepancy.Kind.UNKNOWN_TRANSFER,
            gateway,
            found,
            "A transfer out of our balance that the books don't know.",
        )
        return True
    status = payout.status
    if status == Payout.Status.PENDING or (status == Payout.Status.SUCCEEDED and found.status == "reversed"):
        payout = apply_transfer_result(payout=payout, result=found)
    elif found.fee and not payout.fee and payout.status in (Payout.Status.SUCCEEDED, Payout.Status.REVERSED):
        book_transfer_fee(payout, found.fee)
    return payout.status != status


# --- Chargebacks -----------------------------------------------------------------------------------


def _chargebacks(gateway: Gateway, listed: list[GatewayChargeback], run: ReconciliationRun) -> int:
    return sum(apply_chargeback(gateway.name, found) for found in listed)


@transaction.atomic
def apply_chargeback(gateway: str, found: GatewayChargeback) -> bool:
    """A chargeback freezes its amount (out of platform revenue, until decided) and shows staff; lost, the
    money is gone; won, it is free again. True when something changed."""
    payment = Payment.objects.filter(gateway=gateway, reference=found.reference).first()
    if payment is None:
        return False
    chargeback, created = Chargeback.objects.select_for_update().get_or_create(
        gateway=gateway,
        gateway_id=found.gateway_id,
        defaults={"payment": payment, "amount": found.amount, "currency": found.currency or payment.currency},
    )
    changed = created
    if created:
        _post_chargeback(chargeback, "freeze", Account.PLATFORM_REVENUE, Account.CHARGEBACK_FROZEN)
        discrepancies.record(
            kind=Discrepancy.Kind.CHARGEBACK,
            key=f"{gateway}:chargeback:{found.gateway_id}",
            gateway=gateway,
            settled=False,
            note=f"The student's bank disputes {payment.reference}: {_money(chargeback)} frozen by {gateway.title()}.",
            amount=chargeback.amount,
            currency=chargeback.currency,
            payment=payment,
        )
    if chargeback.status == Chargeback.Status.OPEN and found.status in ("won", "lost"):
        chargeback.status, chargeback.closed_at = found.status, timezone.now()
        chargeback.save()
        to = Account.PLATFORM_REVENUE if found.status == "won" else Account.CHARGEBACKS_LOST
        _post_chargeback(chargeback, found.status, Account.CHARGEBACK_FROZEN, to)
        changed = True
    return changed


def _post_chargeback(chargeback: Chargeback, step: str, source: str, to: str) -> None:
    ledger.post(
        key=f"chargeback:{chargeback.pk}:{step}",
        kind=f"chargeback_{step}",
        currency=chargeback.currency,
        engagement=chargeback.payment.engagement,
        description=f"Chargeback {chargeback.gateway_id} on {chargeback.payment.reference}: {step}",
        legs=[ledger.Leg(source, -chargeback.amount), ledger.Leg(to, chargeback.amount)],
    )


def _money(chargeback: Chargeback) -> str:
    return format_money(chargeback.amount, chargeback.currency)


def sync_refunds_of(payment: Payment) -> int:
    """A refund webhook only says "look at this payment's refunds": ours still on their way are re-checked,
    and one made on the gateway's dashboard is booked. Returns how many were booked."""
    for refund in Refund.objects.filter(payment=payment, status=Refund.Status.PENDING):
        send_refund(refund_id=refund.pk)
    if Refund.objects.filter(payment=payment, status=Refund.Status.PENDING).exists():
        return 0  # one of ours may be the one listed: the comparison settles it once it is answered
    listed = get_gateway(payment.gateway).list_refunds(
        reference=payment.reference,
        gateway_id=payment.gateway_id,
        currency=payment.currency,
        since=(payment.created_at - timedelta(days=1)).date(),
    )
    known = set(Refund.objects.filter(payment=payment).values_list("gateway_id", flat=True))
    unknown = [found for found in listed if found.status != "failed" and found.gateway_id not in known]
    for found in unknown:
        book_refund_made_elsewhere(payment, replace(found, reference=payment.reference))
    return len(unknown)


def sync_chargebacks(*, gateway: str, days: int = 3) -> int:
    """A dispute webhook only says "look": the gateway's own list says what happened."""
    until = timezone.now().date() + timedelta(days=1)
    return sum(
        apply_chargeback(gateway, found)
        for found in get_gateway(gateway).list_chargebacks(since=until - timedelta(days=days), until=until)
    )
