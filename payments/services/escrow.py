"""Money leaves escrow exactly once: released to the tutor, refunded to the student, or split.

Each public function is the one door to an engagement's money transition (`engagements.transitions`):
it locks the rows once, in the order of `payments/services/locks.py`, then changes the engagement and
moves the money in ONE transaction, so the engagement can't complete without paying the tutor, or be
cancelled without the refund.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.money import currency_rules, format_money
from engagements import services as engagement_services
from engagements import transitions
from engagements.models import Engagement
from notifications.services import notify
from payments import ledger
from payments.models import Account, Escrow
from payments.services.checkout import settle_pending_payments
from payments.services.locks import lock_engagement, lock_escrow
from payments.services.refunds import new_refund
from questions.services import expire_overdue_questions

NOTHING_HELD = "No payment is held for this engagement."
ONLY_STAFF = "Only staff resolve disputes."
BAD_SPLIT = "A split refunds part of the {total} held: enter an amount above zero and below it."
OUTCOMES = ("release", "refund", "split")


def commission_for(amount: int, currency: str) -> int:
    """The platform's cut: the configured rate, at least the fixed minimum, never more than the amount."""
    by_rate = (amount * settings.COMMISSION_RATE_BPS + 5_000) // 10_000
    return min(amount, max(by_rate, currency_rules(currency).commission_min))


@transaction.atomic
def approve_and_release(*, engagement: Engagement, by: User | None, note: str = "") -> Engagement:
    """The student approves (or the clock does, by=None): the tutor's share becomes available."""
    engagement = lock_engagement(engagement)
    escrow = _held(engagement)
    transitions.approve(engagement, by=by, note=note)
    _settle(escrow, to_student=0, by=by, reason=note or "work approved")
    return engagement


@transaction.atomic
def cancel_and_refund(*, engagement: Engagement, by: User | None, reason: str = "") -> Engagement:
    """Cancel the engagement, before payment or after it; if it was paid, the whole amount goes back
    to the student. Who may cancel when: `engagements.services.may_cancel`."""
    return _cancel(engagement, by=by, reason=reason)


@transaction.atomic
def resolve_dispute(
    *, engagement: Engagement, by: User, outcome: str, refund_amount: int = 0, note: str = ""
) -> Engagement:
    """Staff decide: release to the tutor, refund the student, or split (refund part, release the rest)."""
    if not by.is_staff:
        raise PermissionDenied(ONLY_STAFF)
    if outcome not in OUTCOMES:
        raise ValidationError(f"Choose one of: {', '.join(OUTCOMES)}.", code="invalid")
    engagement = lock_engagement(engagement, with_bid=outcome == "refund")  # a refund ends the question
    escrow = _held(engagement)
    to_student = {"release": 0, "refund": escrow.amount}.get(outcome, refund_amount)
    if outcome == "split" and not 0 < refund_amount < escrow.amount:
        total = format_money(escrow.amount, escrow.currency)
        raise ValidationError({"refund_amount": BAD_SPLIT.format(total=total)})
    note = note or f"dispute resolved: {outcome}"
    transitions.decide_dispute(engagement, by=by, release_to_tutor=outcome != "refund", note=note)
    _settle(escrow, to_student=to_student, by=by, reason=note, tell_tutor=False)  # the decision says it
    _announce_decision(escrow)
    return engagement


def _announce_decision(escrow: Escrow) -> None:
    """Each side hears the decision in their own words, their own money first, both amounts in a split."""
    engagement = escrow.engagement
    student, tutor = engagement.student, engagement.tutor
    refunded = format_money(escrow.to_student, escrow.currency)
    for_student: list[str] = []
    for_tutor: list[str] = []
    if escrow.to_tutor or escrow.commission:
        after = " after commission" if escrow.commission else ""
        gross = format_money(escrow.amount - escrow.to_student, escrow.currency)
        for_student.append(f"{gross} released to {tutor.get_short_name()}")
        for_tutor.append(f"{format_money(escrow.to_tutor, escrow.currency)} released to you{after}")
    if escrow.to_student:
        for_student.insert(0, f"{refunded} refunded to you")
        for_tutor.append(f"{refunded} refunded to {student.get_short_name()}")
    engagement_services.notify_party(student, "dispute_resolved", engagement, outcome=", ".join(for_student))
    engagement_services.notify_party(tutor, "dispute_resolved", engagement, outcome=", ".join(for_tutor))


def _cancel(engagement: Engagement, *, by: User | None, reason: str, unpaid_only: bool = False) -> Engagement:
    engagement = lock_engagement(engagement, with_bid=True)  # cancelling ends the accepted bid
    if unpaid_only and engagement.status != Engagement.Status.AWAITING_PAYMENT:
        raise ValidationError("Paid meanwhile.", code="paid")
    # Escrow is created in the same transaction that marks the engagement funded: none before that.
    escrow = lock_escrow(engagement) if engagement.funded_at else None
    transitions.cancel(engagement, by=by, reason=reason)
    if escrow is not None:
        _settle(escrow, to_student=escrow.amount, by=by, reason=reason or "engagement cancelled")
    return engagement


def _held(engagement: Engagement) -> Escrow:
    escrow = lock_escrow(engagement)
    if escrow is None or escrow.status != Escrow.Status.HELD:
        raise ValidationError(NOTHING_HELD, code="nothing_held")
    return escrow


def _settle(escrow: Escrow, *, to_student: int, by: User | None, reason: str, tell_tutor: bool = True) -> None:
    """Split the held amount: the student's part is refunded, the rest pays the tutor less commission."""
    tutor_gross = escrow.amount - to_student
    commission = commission_for(tutor_gross, escrow.currency) if tutor_gross else 0
    status = Escrow.Status.SPLIT if to_student and tutor_gross else Escrow.Status.REFUNDED
    escrow.move_to(Escrow.Status.RELEASED if not to_student else status, by=by, note=reason)
    escrow.to_student, escrow.commission, escrow.to_tutor = to_student, commission, tutor_gross - commission
    escrow.settled_at = timezone.now()
    escrow.save()
    engagement = escrow.engagement
    ledger.post(
        key=f"escrow:{escrow.pk}:settle",
        kind=escrow.status,
        currency=escrow.currency,
        engagement=engagement,
        description=f"Escrow {escrow.get_status_display().lower()}: {reason}"[:200],
        legs=[
            ledger.Leg(Account.ESCROW, -escrow.amount, engagement=engagement),
            ledger.Leg(Account.REFUNDS_OWED, to_student, user=engagement.student),  # until the gateway pays it
            ledger.Leg(Account.TUTOR_AVAILABLE, escrow.to_tutor, user=engagement.tutor),
            ledger.Leg(Account.PLATFORM_REVENUE, commission),
        ],
    )
    if escrow.to_tutor and tell_tutor:
        # The tutor hears what reached their balance: their share after commission.
        notify(
            engagement.tutor,
            "work_approved",
            amount_display=format_money(escrow.to_tutor, escrow.currency),
            question_title=engagement.question.title,
            url=engagement.get_absolute_url(),
        )
    if to_student:
        new_refund(payment=escrow.payment, escrow=escrow, amount=to_student, currency=escrow.currency, reason=reason)


def process_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """What the clock decides, with the money: unpaid engagements lapse (after a last check with the
    gateway), silent students' deliveries are approved and paid out, overdue questions expire."""
    now = now or timezone.now()
    unpaid = Engagement.objects.filter(status=Engagement.Status.AWAITING_PAYMENT, payment_due_at__lte=now)
    ripe = Engagement.objects.filter(status=Engagement.Status.DELIVERED, auto_approve_at__lte=now)
    return {
        "reminded": engagement_services.remind_due_soon(now=now),
        "unpaid_cancelled": sum(_lapse_unpaid(engagement) for engagement in unpaid),
        "auto_approved": sum(
            _if_still_due(lambda e=e: approve_and_release(engagement=e, by=None, note="approved automatically"))
            for e in ripe
        ),
        "questions_expired": expire_overdue_questions(now=now),
    }


def _lapse_unpaid(engagement: Engagement) -> bool:
    settle_pending_payments(engagement=engagement)  # paid at the last minute? then it isn't lapsing
    return _if_still_due(lambda: _cancel_unpaid(engagement))


@transaction.atomic
def _cancel_unpaid(engagement: Engagement) -> None:
    _cancel(engagement, by=None, reason="not paid in time", unpaid_only=True)


def _if_still_due(action) -> bool:
    try:
        action()
    except ValidationError:
        return False  # someone acted first (paid, approved, disputed): nothing left for the clock to do
    return True
