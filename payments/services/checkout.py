"""Taking the student's money: hosted checkout, then server-side verification into escrow.

A payment is credited only after the gateway itself confirms it (status, our reference, currency,
at least the price). The redirect's query string is never trusted. Verification may run many times
at once (return page, webhook task, reconciliation): the row locks make exactly one of them count.
"""

from collections.abc import Callable

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
from payments.models import Account, Escrow, Payment, Refund, new_reference
from payments.services.locks import lock_engagement

NOT_YOURS = "Only the student on this engagement can pay for it."
NOT_PAYABLE = "This engagement is not waiting for payment: it is {status}."
GATEWAY_DOWN = "We couldn't reach the payment gateway, so nothing was charged. Please try again in a minute."
WRONG_REFERENCE = "The gateway answered about another payment."
WRONG_CURRENCY = "Paid in {paid} instead of {expected}: not credited, the money is being refunded."
TOO_LITTLE = "Paid {paid} of {expected}: not credited, the money is being refunded."


def start_checkout(*, engagement: Engagement, by: User, return_url: Callable[[str], str]) -> Payment:
    """Open a hosted checkout for the engagement's price; the caller sends the student to its link."""
    if by.pk != engagement.student_id:
        raise PermissionDenied(NOT_YOURS)
    settle_pending_payments(engagement=engagement)  # a late success of an earlier attempt must not be paid twice
    payment = _new_payment(engagement=engagement, student=by)
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


@transaction.atomic
def _new_payment(*, engagement: Engagement, student: User) -> Payment:
    engagement = lock_engagement(engagement)
    if engagement.status != Engagement.Status.AWAITING_PAYMENT:
        raise ValidationError(NOT_PAYABLE.format(status=engagement.get_status_display().lower()), code="not_payable")
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


def settle_pending_payments(*, engagement: Engagement) -> None:
    """Ask the gateway about earlier unfinished attempts; those it never saw are closed."""
    for payment in engagement.payments.filter(status=Payment.Status.PENDING):
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
    engagement = lock_engagement(payment.engagement)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.DUPLICATE):
        return payment  # someone else already applied it
    if verification.status != "succeeded":
        if verification.status in ("failed", "cancelled") and payment.status == Payment.Status.PENDING:
            payment.move_to(verification.status, note=verification.message or "reported by the gateway")
            payment.failure_reason = verification.message or ""
            payment.save(update_fields=["status", "failure_reason"])
        return payment
    problem = verification_problem(payment, verification)
    if problem == WRONG_REFERENCE:
        return payment  # not our money to act on
    payment.gateway_id, payment.fee, payment.verified_at = verification.gateway_id, verification.fee, timezone.now()
    if problem:
        _return_unusable(payment, verification, status=Payment.Status.FAILED, reason=problem)
    elif engagement.status != Engagement.Status.AWAITING_PAYMENT:
        _return_unusable(payment, verification, status=Payment.Status.DUPLICATE, reason="paid twice: refunded")
    else:
        _hold_in_escrow(payment, engagement)
    return payment


def _capture(payment: Payment, *, amount: int, currency: str) -> None:
    """Money arrived from the student: into escrow, and the gateway's fee on our account."""
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


def _hold_in_escrow(payment: Payment, engagement: Engagement) -> None:
    payment.move_to(Payment.Status.SUCCEEDED, note="verified with the gateway")
    payment.save()
    _capture(payment, amount=payment.amount, currency=payment.currency)
    Escrow.objects.create(engagement=engagement, payment=payment, amount=payment.amount, currency=payment.currency)
    transitions.fund(engagement, note=f"paid, held in escrow ({payment.reference})")


def _return_unusable(payment: Payment, verification: Verification, *, status: str, reason: str) -> None:
    """Money we can't use (too little, wrong currency, a second payment) goes straight back."""
    payment.move_to(status, note=reason)
    payment.failure_reason = reason
    payment.save()
    _capture(payment, amount=verification.amount, currency=verification.currency)
    refund = Refund.objects.create(
        payment=payment, amount=verification.amount, currency=verification.currency, reason=reason
    )
    ledger.post(
        key=f"refund:{refund.pk}:reserve",
        kind="refund",
        currency=refund.currency,
        engagement=payment.engagement,
        description=f"Refund of {payment.reference}: {reason}",
        legs=[
            ledger.Leg(Account.ESCROW, -refund.amount, engagement=payment.engagement),
            ledger.Leg(Account.STUDENT_FUNDING, refund.amount, user=payment.student),
        ],
    )
    from payments.tasks import send_refund_task

    transaction.on_commit(lambda: send_refund_task.enqueue(refund_id=refund.pk))


def cancel_checkout(*, payment: Payment) -> Payment:
    """The student pressed cancel at the gateway. Nothing to credit; a later verified payment still counts."""
    _give_up(payment, status=Payment.Status.CANCELLED, reason="cancelled at the checkout")
    payment.refresh_from_db()
    return payment
