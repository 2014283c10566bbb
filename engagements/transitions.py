"""The engagement's state changes that move money: funded, approved, cancelled, a dispute decided.

Private to the money path. Each has one public door in `payments.services` (`confirm_payment`,
`approve_and_release`, `cancel_and_refund`, `resolve_dispute`, and the clock's `process_deadlines`),
which locks the rows once, in the order stated in `payments/services/locks.py`, and moves the money
in the same transaction. The functions here are handed those rows already locked (the engagement
with its question, and its bid when the question ends) and change them: they lock nothing and open
no transaction. Only `payments.services` may import this module (decision 0008), so none of these
states changes without the money.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from bidding.models import Bid, TutorStats
from core import changes
from core.money import format_money
from engagements.models import Engagement
from engagements.services import ONLY_STUDENT, may_cancel, notify_party
from questions.models import Question
from questions.services import broadcast_question_status

CANCEL_NOT_ALLOWED = "This engagement can't be cancelled now. If the work is late or wrong, open a dispute."
NOT_DISPUTED = "Only a disputed engagement can be resolved."


def fund(engagement: Engagement, *, note: str) -> None:
    """The money is held: the tutor's delivery clock starts now."""
    engagement.move_to(Engagement.Status.IN_PROGRESS, by=None, note=note)
    now = timezone.now()
    engagement.funded_at = now
    engagement.due_at = now + timedelta(hours=engagement.bid.delivery_hours)
    engagement.save()
    amount = format_money(engagement.amount, engagement.currency)
    for party in (engagement.student, engagement.tutor):
        notify_party(party, "payment_held", engagement, amount_display=amount)


def approve(engagement: Engagement, *, by: User | None, note: str = "") -> None:
    """The student accepts the work (or the auto-approval clock does, with by=None)."""
    if by is not None and by.pk != engagement.student_id:
        raise PermissionDenied(ONLY_STUDENT)
    engagement.move_to(Engagement.Status.COMPLETED, by=by, note=note or "work approved")
    _complete(engagement, by=by)


def cancel(engagement: Engagement, *, by: User | None, reason: str = "") -> None:
    """Before payment either side may cancel; after it, the tutor may back out, or the student once
    the work is overdue (the clock, by=None, lapses unpaid ones). The question reopens for the other
    bids while its deadline lasts."""
    if by is not None and not may_cancel(engagement, by):
        raise PermissionDenied(CANCEL_NOT_ALLOWED)
    engagement.move_to(Engagement.Status.CANCELLED, by=by, note=reason.strip() or "cancelled")
    engagement.save()
    _end_question(engagement, by=by, reopen=True)


def decide_dispute(engagement: Engagement, *, by: User, release_to_tutor: bool, note: str) -> None:
    """Staff decide: released to the tutor (completed) or refunded to the student (cancelled, and the
    question closes)."""
    if engagement.status != Engagement.Status.DISPUTED:
        raise ValidationError(NOT_DISPUTED, code="invalid_state")
    if release_to_tutor:
        engagement.move_to(Engagement.Status.COMPLETED, by=by, note=note)
        _complete(engagement, by=by)
    else:
        engagement.move_to(Engagement.Status.CANCELLED, by=by, note=note)
        engagement.save()
        _end_question(engagement, by=by, reopen=False)
    # The payment services announce the decision: only they know the amounts (a split has two).


def _complete(engagement: Engagement, *, by: User | None) -> None:
    now = timezone.now()
    engagement.completed_at = now
    engagement.auto_approve_at = None
    engagement.save()
    question = engagement.question
    question.move_to(Question.Status.COMPLETED, by=by)
    question.save(update_fields=["status", "updated_at"])
    broadcast_question_status(question)
    on_time = engagement.due_at is None or (engagement.first_delivered_at or now) <= engagement.due_at
    # The tutor's counters go up in place, in one UPDATE: nothing is read under a lock.
    TutorStats.objects.get_or_create(tutor_id=engagement.tutor_id)
    TutorStats.objects.filter(tutor_id=engagement.tutor_id).update(
        completed_count=F("completed_count") + 1, on_time_count=F("on_time_count") + int(on_time)
    )
    changes.tutor_changed.announce(engagement.tutor_id)  # their record moved: matching shows it at once


def _end_question(engagement: Engagement, *, by: User | None, reopen: bool) -> None:
    """After a cancelled engagement the accepted bid is spent; the question reopens or closes."""
    bid = engagement.bid
    bid.move_to(Bid.Status.CLOSED, by=by, note="engagement cancelled")
    bid.save(update_fields=["status", "updated_at"])
    question = engagement.question
    reopen = reopen and question.deadline > timezone.now()
    question.move_to(Question.Status.OPEN if reopen else Question.Status.CANCELLED, by=by)
    question.save(update_fields=["status", "updated_at"])
    broadcast_question_status(question)
