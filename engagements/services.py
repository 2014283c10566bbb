"""The engagement from an accepted bid to approval: accept, fund, deliver, approve, revise, dispute, cancel.

The state changes that move money (funding, approval, cancellation, dispute decisions) are called by
`payments.services`, which wraps each one and its money movement in one transaction. Interfaces call
those payment-level functions, never these directly, so nobody can skip the money.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bidding.models import Bid, TutorStats
from bidding.services import announce_bid
from core import changes
from core.markup import render_markdown
from core.money import format_money
from core.uploads import check_uploads
from engagements.models import Delivery, DeliveryFile, Engagement
from notifications.services import notify
from questions.models import Question
from questions.services import broadcast_question_status

NOT_YOUR_QUESTION = "Only the student who posted the question can accept a bid."
BID_NOT_LIVE = "This bid is no longer available."
QUESTION_TAKEN = "A bid on this question has already been accepted."
QUESTION_CLOSED = "This question is closed."
ONLY_STUDENT = "Only the student on this engagement can do that."
ONLY_TUTOR = "Only the tutor on this engagement can do that."
NOT_PARTY = "You are not part of this engagement."
NO_REVISIONS_LEFT = "You have used all {count} revisions. Approve the work or open a dispute."
REASON_NEEDED = "Say what is wrong, so the other side can put it right."
CANCEL_NOT_ALLOWED = "This engagement can't be cancelled now. If the work is late or wrong, open a dispute."
EMPTY_DELIVERY = "Write a message or attach a file to deliver."
TOO_MANY_FILES = "Attach at most 10 files to a delivery."


def _lock(engagement: Engagement) -> Engagement:
    """Lock question, then engagement (the fixed order), and return the fresh engagement."""
    Question.objects.select_for_update().get(pk=engagement.question_id)
    return Engagement.objects.select_for_update().get(pk=engagement.pk)


def _require(user: User, *, is_user_id: int, message: str) -> None:
    if user.pk != is_user_id:
        raise PermissionDenied(message)


@transaction.atomic
def accept_bid(*, bid: Bid, by: User) -> Engagement:
    """Accept one bid; race-safe: of two accepts at once, exactly one wins."""
    question = Question.objects.select_for_update().get(pk=bid.question_id)
    if question.student_id != by.pk:
        raise PermissionDenied(NOT_YOUR_QUESTION)
    if question.status == Question.Status.ASSIGNED:
        raise ValidationError(QUESTION_TAKEN, code="question_taken")
    if not question.is_open:
        raise ValidationError(QUESTION_CLOSED, code="question_closed")
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    if bid.status != Bid.Status.LIVE or bid.question_id != question.pk:
        raise ValidationError(BID_NOT_LIVE, code="bid_not_live")
    bid.move_to(Bid.Status.ACCEPTED, by=by)
    bid.save(update_fields=["status", "updated_at"])
    question.move_to(Question.Status.ASSIGNED, by=by, note=f"accepted bid {bid.pk}")
    question.save(update_fields=["status", "updated_at"])
    announce_bid(bid, change="accepted")
    broadcast_question_status(question)
    now = timezone.now()
    engagement = Engagement.objects.create(
        question=question,
        bid=bid,
        student=question.student,
        tutor=bid.tutor,
        amount=bid.amount,
        currency=bid.currency,
        payment_due_at=now + timedelta(hours=settings.PAYMENT_WINDOW_HOURS),
        created_at=now,
    )
    _tell(engagement.tutor, "bid_accepted", engagement)
    for other in Bid.objects.filter(question=question, status=Bid.Status.LIVE).select_related("tutor"):
        notify(other.tutor, "question_taken", question_title=question.title, url=reverse("question_feed"))
    return engagement


@transaction.atomic
def mark_funded(*, engagement: Engagement, by: User | None, note: str = "") -> Engagement:
    """The money is held: the tutor's delivery clock starts now."""
    engagement = _lock(engagement)
    engagement.move_to(Engagement.Status.IN_PROGRESS, by=by, note=note or "payment held")
    now = timezone.now()
    engagement.funded_at = now
    engagement.due_at = now + timedelta(hours=engagement.bid.delivery_hours)
    engagement.save()
    for party in (engagement.student, engagement.tutor):
        _tell(party, "payment_held", engagement, amount_display=_amount(engagement))
    return engagement


@transaction.atomic
def deliver_work(*, engagement: Engagement, by: User, message: str, files: Sequence[UploadedFile] = ()) -> Delivery:
    _require(by, is_user_id=engagement.tutor_id, message=ONLY_TUTOR)
    if not message.strip() and not files:
        raise ValidationError({"message": EMPTY_DELIVERY})
    if len(files) > 10:
        raise ValidationError({"attachments": TOO_MANY_FILES})
    engagement = _lock(engagement)
    checked = check_uploads(files)
    engagement.move_to(Engagement.Status.DELIVERED, by=by)
    now = timezone.now()
    engagement.delivered_at = now
    engagement.first_delivered_at = engagement.first_delivered_at or now
    engagement.auto_approve_at = now + timedelta(days=settings.AUTO_APPROVE_DAYS)
    engagement.save()
    delivery = Delivery.objects.create(
        engagement=engagement, message=message.strip(), message_html=render_markdown(message.strip())
    )
    DeliveryFile.store(checked, delivery=delivery)
    _tell(engagement.student, "work_delivered", engagement)
    return delivery


@transaction.atomic
def approve_work(*, engagement: Engagement, by: User | None, note: str = "") -> Engagement:
    """The student accepts the work (or the auto-approval timer does, with by=None)."""
    if by is not None:
        _require(by, is_user_id=engagement.student_id, message=ONLY_STUDENT)
    engagement = _lock(engagement)
    engagement.move_to(Engagement.Status.COMPLETED, by=by, note=note or "work approved")
    _complete(engagement, by=by)
    return engagement


@transaction.atomic
def request_revision(*, engagement: Engagement, by: User, reason: str) -> Engagement:
    _require(by, is_user_id=engagement.student_id, message=ONLY_STUDENT)
    if not reason.strip():
        raise ValidationError({"reason": REASON_NEEDED})
    engagement = _lock(engagement)
    if engagement.revisions_left == 0:
        raise ValidationError(NO_REVISIONS_LEFT.format(count=settings.MAX_REVISIONS), code="no_revisions_left")
    engagement.move_to(Engagement.Status.IN_PROGRESS, by=by, note=reason.strip())
    engagement.revisions_used += 1
    engagement.auto_approve_at = None
    engagement.save()
    _tell(engagement.tutor, "revision_requested", engagement)
    return engagement


@transaction.atomic
def open_dispute(*, engagement: Engagement, by: User, reason: str) -> Engagement:
    if by.pk not in (engagement.student_id, engagement.tutor_id):
        raise PermissionDenied(NOT_PARTY)
    if not reason.strip():
        raise ValidationError({"reason": REASON_NEEDED})
    engagement = _lock(engagement)
    engagement.move_to(Engagement.Status.DISPUTED, by=by, note=reason.strip())
    engagement.auto_approve_at = None
    engagement.save()
    other = engagement.tutor if by.pk == engagement.student_id else engagement.student
    _tell(other, "dispute_opened", engagement)
    return engagement


@transaction.atomic
def resolve_dispute(*, engagement: Engagement, by: User, release_to_tutor: bool, note: str) -> Engagement:
    """Staff decide a dispute: release to the tutor (completed) or refund the student (cancelled)."""
    if not by.is_staff:
        raise PermissionDenied("Only staff resolve disputes.")
    engagement = _lock(engagement)
    if engagement.status != Engagement.Status.DISPUTED:
        raise ValidationError("Only a disputed engagement can be resolved.", code="invalid_state")
    if release_to_tutor:
        engagement.move_to(Engagement.Status.COMPLETED, by=by, note=note or "dispute resolved for the tutor")
        _complete(engagement, by=by)
    else:
        engagement.move_to(Engagement.Status.CANCELLED, by=by, note=note or "dispute resolved for the student")
        _end_question(engagement, by=by, reopen=False)
        engagement.save()
    outcome = "released to the tutor" if release_to_tutor else "refunded to the student"
    for party in (engagement.student, engagement.tutor):
        _tell(party, "dispute_resolved", engagement, outcome=outcome)
    return engagement


@transaction.atomic
def cancel_engagement(*, engagement: Engagement, by: User | None, reason: str = "") -> Engagement:
    """Before payment either side may cancel; after it, the tutor may back out, or the student
    once the work is overdue. The question reopens for the other bids while its deadline lasts."""
    engagement = _lock(engagement)
    if by is not None and not may_cancel(engagement, by):
        raise PermissionDenied(CANCEL_NOT_ALLOWED)
    engagement.move_to(Engagement.Status.CANCELLED, by=by, note=reason.strip() or "cancelled")
    engagement.save()
    _end_question(engagement, by=by, reopen=True)
    return engagement


def may_cancel(engagement: Engagement, user: User) -> bool:
    if user.pk not in (engagement.student_id, engagement.tutor_id):
        return False
    if engagement.status == Engagement.Status.AWAITING_PAYMENT:
        return True
    if engagement.status == Engagement.Status.IN_PROGRESS:
        return user.pk == engagement.tutor_id or engagement.is_overdue
    return False


def _complete(engagement: Engagement, *, by: User | None) -> None:
    now = timezone.now()
    engagement.completed_at = now
    engagement.auto_approve_at = None
    engagement.save()
    question = engagement.question
    question.move_to(Question.Status.COMPLETED, by=by)
    question.save(update_fields=["status", "updated_at"])
    broadcast_question_status(question)
    stats, _ = TutorStats.objects.select_for_update().get_or_create(tutor_id=engagement.tutor_id)
    stats.completed_count += 1
    on_time = engagement.due_at is None or (engagement.first_delivered_at or now) <= engagement.due_at
    stats.on_time_count += int(on_time)
    stats.save(update_fields=["completed_count", "on_time_count"])
    changes.tutor_changed.announce(engagement.tutor_id)  # their record moved: matching shows it at once


def _amount(engagement: Engagement) -> str:
    return format_money(engagement.amount, engagement.currency)


def _tell(user: User, kind: str, engagement: Engagement, **extra) -> None:
    """Notify one party about their engagement; texts link to the engagement page."""
    notify(user, kind, question_title=engagement.question.title, url=engagement.get_absolute_url(), **extra)


def _end_question(engagement: Engagement, *, by: User | None, reopen: bool) -> None:
    """After a cancelled engagement the accepted bid is spent; the question reopens or closes."""
    bid = Bid.objects.select_for_update().get(pk=engagement.bid_id)
    bid.move_to(Bid.Status.CLOSED, by=by, note="engagement cancelled")
    bid.save(update_fields=["status", "updated_at"])
    question = engagement.question
    reopen = reopen and question.deadline > timezone.now()
    question.move_to(Question.Status.OPEN if reopen else Question.Status.CANCELLED, by=by)
    question.save(update_fields=["status", "updated_at"])
    broadcast_question_status(question)


REMIND_BEFORE = timedelta(hours=3)


def remind_due_soon(*, now: datetime) -> int:
    """Tell each tutor once when paid work is due within a few hours and not yet delivered."""
    due = Engagement.objects.filter(
        status=Engagement.Status.IN_PROGRESS, reminded_at__isnull=True, due_at__gt=now, due_at__lte=now + REMIND_BEFORE
    ).select_related("question", "tutor")
    reminded = 0
    for engagement in due:
        with transaction.atomic():
            if Engagement.objects.filter(pk=engagement.pk, reminded_at__isnull=True).update(reminded_at=now):
                left = (engagement.due_at or now) - now
                hours = max(1, round(left.total_seconds() / 3600))
                _tell(engagement.tutor, "deadline_soon", engagement, due_display=f"in {hours} h")
                reminded += 1
    return reminded
