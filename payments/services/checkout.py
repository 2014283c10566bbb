"""Taking the student's money: hosted checkout, then server-side verification into escrow.

A payment is credited only after the gateway itself confirms it (status, our reference, currency,
at least the price). The redirect's query string is never trusted. Verification may run many times
at once (return page, webhook task, reconciliation): the row locks make exactly one of them count.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.money import format_money
from engagements import transitions
from engagements.models import Engagement
from payments import ledger
from payments.gateways import GatewayError, gateway_for_currency, get_gateway
from payments.gateways.base import Verification
from payments.models import Account, Discrepancy, Escrow, Payment, new_reference
from payments.services import discrepancies
from payments.services.locks import lock_engagement
from payments.services.refunds import refund_from_escrow

NOT_YOURS = "Only the student on this engagement can pay for it."
NOT_PAYABLE = "This engagement is not waiting for payment: it is {status}."
GATEWAY_DOWN = "We couldn't reach the payment gateway, so nothing was charged. Please try again in a minute."
WRONG_REFERENCE = "The gateway answered about another payment."
WRONG_CURRENCY = "Paid in {paid} instead of {expected}: not credited, the money is being refunded."
TOO_LITTLE = "Paid {paid} of {expected}: not credited, the money is being refunded."
TOO_MUCH = "Paid {paid} for a price of {expected}: the {excess} over the price is being refunded."
PAID_TWICE = "Paid after the engagement was paid or closed: refunded."
OPENING = "Your checkout is opening. Wait a moment, then press Pay again."
OPENING_FOR = timedelta(seconds=30)  # longer than a gateway call can take (the HTTP timeout, three phases)


def start_checkout(*, engagement: Engagement, by: User, return_url: Callable[[str], str]) -> Payment:
    """Open a hosted checkout for the engagement's price, or hand back the one still open: one live
    link per engagement, so a double tap or a second tab never leaves two ways to pay."""
    if by.pk != engagement.student_id:
        raise PermissionDenied(NOT_YOURS)
    live = _live_checkout(engagement)
    if live is not None:
        return live
    # A late success of an earlier attempt must not be paid twice; a young one is another tap's.
    settle_pending_payments(engagement=engagement, keep_young=True)
    payment = _new_payment(engagement=engagement, student=by)
    if payment.checkout_url:
        return payment  # another tap opened it meanwhile
    try:
        link = get_gateway(payment.gateway).checkout(
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
            email=by.email,
            name=by.full_name,
            redirect_url=return_url(payment.reference),
            title=f"Expert Hive: {engagement.question.title}",
        )
    except GatewayError:
        _give_up(payment, status=Payment.Status.FAILED, reason="The gateway could not open a checkout.")
        raise ValidationError(GATEWAY_DOWN, code="gateway_down") from None
    Payment.objects.filter(pk=payment.pk).update(checkout_url=link)
    payment.checkout_url = link
    return payment


def link_lifetime() -> timedelta:
    return timedelta(minutes=settings.CHECKOUT_LINK_MINUTES)


def _live_checkout(engagement: Engagement) -> Payment | None:
    """The engagement's open checkout if its link is still young; asked about first, so a link that
    was paid meanwhile is credited instead of handed out again."""
    fresh = timezone.now() - link_lifetime()
    payment = (
        engagement.payments.filter(status=Payment.Status.PENDING, created_at__gte=fresh)
        .exclude(checkout_url="")
        .order_by("-created_at")
        .first()
    )
    if payment is None:
        return None
    payment = confirm_payment(payment=payment)
    if payment.status == Payment.Status.SUCCEEDED:
        raise ValidationError(NOT_PAYABLE.format(status="paid"), code="not_payable")
    return payment if payment.status == Payment.Status.PENDING else None


@transaction.atomic
def _new_payment(*, engagement: Engagement, student: User) -> Payment:
    engagement = lock_engagement(engagement)
    if engagement.status != Engagement.Status.AWAITING_PAYMENT:
        raise ValidationError(NOT_PAYABLE.format(status=engagement.get_status_display().lower()), code="not_payable")
    young = (
        engagement.payments.filter(status=Payment.Status.PENDING, created_at__gte=timezone.now() - link_lifetime())
        .order_by("-created_at")
        .first()
    )
    if young is not None and young.checkout_url:
        return young
    if young is not None and young.created_at >= timezone.now() - OPENING_FOR:
        raise ValidationError(OPENING, code="checkout_opening")  # another tap is asking the gateway for it
    return Payment.objects.create(
        engagement=engagement,
        student=student,
        gateway=gateway_for_currency(engagement.currency).name,
        reference=new_reference(f"P{engagement.pk}"),
        amount=engagement.amount,
        currency=engagement.currency,
    )


@transaction.atomic
def _give_up(payment: Payment, *, status: str, reason: str) -> None:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.PENDING:
        payment.move_to(status, note=reason)
        payment.failure_reason = reason
        payment.save(update_fields=["status", "failure_reason"])


def settle_pending_payments(*, engagement: Engagement, keep_young: bool = False) -> None:
    """Ask the gateway about earlier unfinished attempts; those still unpaid are closed (a payment made
    on one later is caught by reconciliation). `keep_young` leaves alone the ones whose link is still
    live or being opened: a new Pay tap reuses them."""
    pending = engagement.payments.filter(status=Payment.Status.PENDING)
    if keep_young:
        pending = pending.filter(created_at__lt=timezone.now() - link_lifetime())
    for payment in pending:
        payment = confirm_payment(payment=payment)
        if payment.status == Payment.Status.PENDING:
            _give_up(payment, status=Payment.Status.CANCELLED, reason="replaced by a new checkout")


def confirm_payment(*, payment: Payment, verification: Verification | None = None) -> Payment:
    """Verify with the gateway (outside any transaction), then apply the answer exactly once."""
    if verification is None:
        try:
            verification = get_gateway(payment.gateway).verify(
                reference=payment.reference, gateway_id=payment.gateway_id
            )
        except GatewayError:
            return payment  # still pending; the return page says so and reconciliation retries
    return _apply_verification(payment=payment, verification=verification)


def verification_problem(payment: Payment, verification: Verification) -> str:
    if verification.reference != payment.reference:
        return WRONG_REFERENCE
    if verification.currency != payment.currency:
        return WRONG_CURRENCY.format(paid=verification.currency or "?", expected=payment.currency)
    if verification.amount < payment.amount:
        paid, expected = (format_money(a, payment.currency) for a in (verification.amount, payment.amount))
        return TOO_LITTLE.format(paid=paid, expected=expected)
    return ""


@transaction.atomic
def _apply_verification(*, payment: Payment, verification: Verification) -> Payment:
    """Apply the gateway's answer once. Every state is safe to verify again: a payment whose money was
    already taken in (credited, or refunded as unusable) changes no more, whatever answer comes."""
    engagement = lock_engagement(payment.engagement)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.verified_at is not None or payment.status in (Payment.Status.SUCCEEDED, Payment.Status.DUPLICATE):
        return payment
    if verification.status != "succeeded":
        if verification.status in ("failed", "cancelled") and payment.status == Payment.Status.PENDING:
            payment.move_to(verification.status, note=verification.message or "reported by the gateway")
            payment.failure_reason = verification.message or ""
            payment.save(update_fields=["status", "failure_reason"])
        return payment
    problem = verification_problem(payment, verification)
    if problem == WRONG_REFERENCE:
        return payment  # not our money to act on
    closed_before = payment.status != Payment.Status.PENDING  # paid on a checkout we had cancelled
    payment.gateway_id, payment.fee, payment.verified_at = verification.gateway_id, verification.fee, timezone.now()
    if problem:
        kind = (
            Discrepancy.Kind.WRONG_CURRENCY if verification.currency != payment.currency else Discrepancy.Kind.UNDERPAID
        )
        _return_unusable(payment, verification, status=Payment.Status.FAILED, reason=problem, kind=kind)
    elif engagement.status != Engagement.Status.AWAITING_PAYMENT:
        _return_unusable(
            payment,
            verification,
            status=Payment.Status.DUPLICATE,
            reason=PAID_TWICE,
            kind=Discrepancy.Kind.LATE_CAPTURE,
        )
    else:
        _hold_in_escrow(payment, engagement, verification)
        if closed_before:
            _noted(Discrepancy.Kind.LATE_CAPTURE, payment, verification.amount, "paid on a closed checkout: credited")
    return payment


def _noted(kind: str, payment: Payment, amount: int, note: str) -> None:
    discrepancies.record(
        kind=kind,
        key=payment.reference,
        gateway=payment.gateway,
        settled=True,
        note=note,
        amount=amount,
        currency=payment.currency,
        payment=payment,
    )


def _capture(payment: Payment, *, amount: int, currency: str) -> None:
    """Money arrived from the student, as much as the gateway took: into escrow, and the gateway's fee
    on our account."""
    engagement = payment.engagement
    ledger.post(
        key=f"payment:{payment.pk}:captured",
        kind="payment",
        currency=currency,
        engagement=engagement,
        description=f"Payment {payment.reference} verified",
        legs=[
            ledger.Leg(Account.STUDENT_FUNDING, -amount, user=payment.student),
            ledger.Leg(Account.ESCROW, amount, engagement=engagement),
        ],
    )
    if payment.fee:
        ledger.post(
            key=f"payment:{payment.pk}:fee",
            kind="gateway_fee",
            currency=currency,
            engagement=engagement,
            description=f"{payment.gateway} fee on {payment.reference}",
            legs=[ledger.Leg(Account.PLATFORM_REVENUE, -payment.fee), ledger.Leg(Account.GATEWAY_FEES, payment.fee)],
        )


def _hold_in_escrow(payment: Payment, engagement: Engagement, verification: Verification) -> None:
    """The price goes into escrow; anything paid over it goes straight back to the student."""
    payment.move_to(Payment.Status.SUCCEEDED, note="verified with the gateway")
    payment.save()
    _capture(payment, amount=verification.amount, currency=payment.currency)
    Escrow.objects.create(engagement=engagement, payment=payment, amount=payment.amount, currency=payment.currency)
    transitions.fund(engagement, note=f"paid, held in escrow ({payment.reference})")
    excess = verification.amount - payment.amount
    if excess > 0:
        paid, expected, over = (
            format_money(a, payment.currency) for a in (verification.amount, payment.amount, excess)
        )
        reason = TOO_MUCH.format(paid=paid, expected=expected, excess=over)
        refund_from_escrow(payment, amount=excess, currency=payment.currency, reason=reason)
        _noted(Discrepancy.Kind.OVERPAID, payment, excess, reason)


def _return_unusable(payment: Payment, verification: Verification, *, status: str, reason: str, kind: str) -> None:
    """Money we can't use (too little, wrong currency, a second payment) goes straight back."""
    if payment.status != status:  # a declined attempt later paid too little stays failed, with the new reason
        payment.move_to(status, note=reason)
    payment.failure_reason = reason
    payment.save()
    _capture(payment, amount=verification.amount, currency=verification.currency)
    refund_from_escrow(payment, amount=verification.amount, currency=verification.currency, reason=reason)
    _noted(kind, payment, verification.amount, reason)


def close_checkout(payment: Payment, *, reason: str) -> None:
    """Our side gives up on an unpaid checkout; a payment made on it later is still caught by the
    comparison with the gateway's own list (and credited or refunded by the late-capture rule)."""
    _give_up(payment, status=Payment.Status.CANCELLED, reason=reason)


def cancel_checkout(*, payment: Payment) -> Payment:
    """The student pressed cancel at the gateway. Nothing to credit; a later verified payment still counts."""
    _give_up(payment, status=Payment.Status.CANCELLED, reason="cancelled at the checkout")
    payment.refresh_from_db()
    return payment
