"""Refunds reach the gateway once.

Neither gateway takes an idempotency key on refunds, and a request that timed out may have been accepted.
So each request is counted (and committed) before it is sent, and a refund whose earlier request went
unanswered is first looked up in the gateway's own list of refunds for the payment: a match is adopted,
and a new request goes out only when the gateway has none. Gateway calls happen outside any transaction.
"""

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from payments import ledger
from payments.gateways import Gateway, GatewayError, get_gateway
from payments.gateways.base import RefundResult
from payments.models import Account, Discrepancy, Escrow, Payment, Refund
from payments.services import discrepancies

log = logging.getLogger("payments.refunds")

ONLY_STAFF_RETRY = "Only staff retry refunds."
ADOPTED = "found at the gateway: an earlier request reached it"
REFUSED = "The gateway refused the refund ({reason}): the money stays held until staff act."


def new_refund(*, payment: Payment, amount: int, currency: str, reason: str, escrow: Escrow | None = None) -> Refund:
    """A refund to send, in the caller's transaction; sent once it commits. The caller books the money
    into "refunds owed" (it stays there, still at the gateway, until the gateway confirms the refund)."""
    refund = Refund.objects.create(
        payment=payment, escrow=escrow, amount=amount, currency=currency, reason=reason[:300]
    )
    from payments.tasks import send_refund_task

    transaction.on_commit(lambda: send_refund_task.enqueue(refund_id=refund.pk))
    return refund


def refund_from_escrow(payment: Payment, *, amount: int, currency: str, reason: str) -> Refund:
    """Send back money that came in but can't be kept (too little, too much, twice, another currency)."""
    refund = new_refund(payment=payment, amount=amount, currency=currency, reason=reason)
    ledger.post(
        key=f"refund:{refund.pk}:reserve",
        kind="refund",
        currency=currency,
        engagement=payment.engagement,
        description=f"Refund of {payment.reference}: {reason}"[:200],
        legs=[
            ledger.Leg(Account.ESCROW, -amount, engagement=payment.engagement),
            ledger.Leg(Account.REFUNDS_OWED, amount, user=payment.student),
        ],
    )
    return refund


def send_refund(*, refund_id: int, now: datetime | None = None) -> Refund:
    """Ask the gateway to return the money (or how the earlier request went). Safe to call again."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    gateway = get_gateway(refund.payment.gateway)
    try:
        result = _ask_gateway(refund, gateway, now=now or timezone.now())
    except GatewayError as exc:
        if exc.retryable:
            return refund  # reconciliation asks again later
        return _refund_result(refund, gateway_id="", status="failed", message=str(exc))
    if result is None:
        return refund  # a request may still be on its way: reconciliation looks again later
    return _refund_result(refund, gateway_id=result.gateway_id, status=result.status, message=result.message)


def _ask_gateway(refund: Refund, gateway: Gateway, *, now: datetime) -> RefundResult | None:
    if refund.gateway_id:
        return gateway.refund_status(gateway_id=refund.gateway_id)
    if refund.attempts:
        earlier = _earlier_request(refund, gateway)
        if earlier is not None or _may_be_in_flight(refund, now=now):
            return earlier
    return _send(refund, gateway, now=now)


def _send(refund: Refund, gateway: Gateway, *, now: datetime) -> RefundResult | None:
    if not _claim_attempt(refund, now=now):
        return None  # another worker is sending it right now
    payment = refund.payment
    try:
        return gateway.refund(
            reference=payment.reference, gateway_id=payment.gateway_id, amount=refund.amount, currency=refund.currency
        )
    except GatewayError as exc:
        if exc.answered:  # e.g. a 500: whatever became of it, the request is no longer on its way
            Refund.objects.filter(pk=refund.pk, attempts=refund.attempts + 1).update(sending_since=None)
        raise


def _earlier_request(refund: Refund, gateway: Gateway) -> RefundResult | None:
    """The gateway's refund for one of our earlier requests: this payment, the same amount and currency,
    not failed (a failed one returned nothing), and not already matched to another of the payment's refunds."""
    payment = refund.payment
    taken = set(Refund.objects.filter(payment=payment).exclude(pk=refund.pk).values_list("gateway_id", flat=True))
    since = (refund.created_at - timedelta(days=1)).date()  # a day's margin for the gateway's time zone
    listed = gateway.list_refunds(
        reference=payment.reference, gateway_id=payment.gateway_id, currency=refund.currency, since=since
    )
    for found in listed:
        if found.status != "failed" and found.gateway_id not in taken and _same_money(found, refund):
            return replace(found, message=ADOPTED)
    return None


def _same_money(found: RefundResult, refund: Refund) -> bool:
    return found.amount == refund.amount and found.currency == refund.currency


def _may_be_in_flight(refund: Refund, *, now: datetime) -> bool:
    """An unanswered request sent moments ago may not be in the gateway's list yet: never send a second one
    beside it. httpx applies the timeout to connecting, sending and reading each, hence three of them."""
    in_flight = timedelta(seconds=3 * settings.PAYMENT_HTTP_TIMEOUT)
    return refund.sending_since is not None and now - refund.sending_since < in_flight


def _claim_attempt(refund: Refund, *, now: datetime) -> bool:
    """Count the request and commit it before it is sent; the count is also the version two workers race on."""
    claimed = Refund.objects.filter(
        pk=refund.pk, status=Refund.Status.PENDING, gateway_id="", attempts=refund.attempts
    ).update(attempts=F("attempts") + 1, sending_since=now)
    return claimed == 1


@transaction.atomic
def _refund_result(refund: Refund, *, gateway_id: str, status: str, message: str) -> Refund:
    Payment.objects.select_for_update().get(pk=refund.payment_id)  # one refund of a payment at a time
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    if gateway_id and gateway_id != refund.gateway_id and _matched_elsewhere(refund, gateway_id):
        return refund  # a sibling took that gateway refund meanwhile: look again next time
    refund.gateway_id = gateway_id or refund.gateway_id
    refund.sending_since = None  # the gateway has answered
    if status in ("succeeded", "failed"):
        refund.move_to(status, note=message or f"gateway says {status}")
        refund.failure_reason = message if status == "failed" else ""
    refund.save()
    if refund.status == Refund.Status.SUCCEEDED:
        _book_repaid(refund)
    elif refund.status == Refund.Status.FAILED:
        _alert_refused(refund)
    return refund


def _book_repaid(refund: Refund) -> None:
    """The gateway sent the money: it leaves "refunds owed" for the student's card."""
    if refund.booked_as_owed:
        payment = refund.payment
        ledger.post(
            key=f"refund:{refund.pk}:paid",
            kind="refund_paid",
            currency=refund.currency,
            engagement=payment.engagement,
            description=f"Refund {refund.pk} of {payment.reference} paid by {payment.gateway}",
            legs=[
                ledger.Leg(Account.REFUNDS_OWED, -refund.amount, user=payment.student),
                ledger.Leg(Account.STUDENT_FUNDING, refund.amount, user=payment.student),
            ],
        )
    discrepancies.settle_by_rule(
        kind=Discrepancy.Kind.REFUND_REFUSED, key=f"refund:{refund.pk}", note="sent again: refunded"
    )


def _alert_refused(refund: Refund) -> None:
    """A refused refund leaves the money held (still owed) and waits for staff, never reads as repaid."""
    discrepancies.record(
        kind=Discrepancy.Kind.REFUND_REFUSED,
        key=f"refund:{refund.pk}",
        gateway=refund.payment.gateway,
        settled=False,
        note=REFUSED.format(reason=refund.failure_reason.rstrip(".") or "no reason given"),
        amount=refund.amount,
        currency=refund.currency,
        payment=refund.payment,
    )


def _matched_elsewhere(refund: Refund, gateway_id: str) -> bool:
    taken = Refund.objects.filter(payment_id=refund.payment_id, gateway_id=gateway_id).exclude(pk=refund.pk)
    if taken.exists():
        log.warning("Refund %s: gateway refund %s already belongs to another refund", refund.pk, gateway_id)
        return True
    return False


@transaction.atomic
def retry_refund(*, refund: Refund, by: User) -> Refund:
    """Staff send a failed refund again (after the gateway's list is checked for an earlier request)."""
    if not by.is_staff:
        raise PermissionDenied(ONLY_STAFF_RETRY)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    failed = f"; gateway refund {refund.gateway_id} had failed" if refund.gateway_id else ""
    refund.move_to(Refund.Status.PENDING, by=by, note=f"retried by staff{failed}")
    refund.gateway_id = ""  # a refund the gateway failed returned nothing: a new one is asked for
    refund.save()
    from payments.tasks import send_refund_task

    transaction.on_commit(lambda: send_refund_task.enqueue(refund_id=refund.pk))
    return refund
