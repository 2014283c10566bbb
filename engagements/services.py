"""The engagement from an accepted bid to approval: accept, deliver, ask for a revision, open a dispute.

The changes that move money (funded, approved, cancelled, a dispute decided) are not here: they live
in `engagements.transitions`, and their one public door is `payments.services` (`confirm_payment`,
`approve_and_release`, `cancel_and_refund`, `resolve_dispute`), which moves the money with them.
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
from bidding.models import Bid
from bidding.services import announce_bid
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
EMPTY_DELIVERY = "Write a message or attach a file to deliver."
TOO_MANY_FILES = "Attach at most 10 files to a delivery."


def _lock(engagement: Engagement) -> Engagement:
    """Lock the question, then the engagement (the lock order: payments/services/locks.py); return it fresh."""
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
    notify_party(engagement.tutor, "bid_accepted", engagement)
    for other in Bid.objects.filter(question=question, status=Bid.Status.LIVE).select_related("tutor"):
        notify(other.tutor, "question_taken", question_title=question.title, url=reverse("question_feed"))
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
    notify_party(engagement.student, "work_delivered", engagement)
    return delivery


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
    notify_party(engagement.tutor, "revision_requested", engagement)
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
    notify_party(other, "dispute_opened", engagement)
    _tell_staff_of_dispute(engagement)
    return engagement


def _tell_staff_of_dispute(engagement: Engagement) -> None:
    """Every staff member hears of a new dispute, with a link to its case on the dispute desk."""
    staff = User.objects.filter(is_active=True, is_staff=True, role=User.Role.STAFF)
    for member in staff:
        notify(
            member,
            "dispute_to_decide",
            question_title=engagement.question.title,
            amount_display=format_money(engagement.amount, engagement.currency),
            url=reverse("dispute_case", args=[engagement.pk]),
        )


def may_cancel(engagement: Engagement, user: User) -> bool:
    """Whether the user may cancel now (pages offer it; `payments.services.cancel_and_refund` enforces it)."""
    if user.pk not in (engagement.student_id, engagement.tutor_id):
        return False
    if engagement.status == Engagement.Status.AWAITING_PAYMENT:
        return True
    if engagement.status == Engagement.Status.IN_PROGRESS:
        return user.pk == engagement.tutor_id or engagement.is_overdue
    return False


def notify_party(user: User, kind: str, engagement: Engagement, **extra) -> None:
    """Notify one party about their engagement; texts link to the engagement page."""
    notify(user, kind, question_title=engagement.question.title, url=engagement.get_absolute_url(), **extra)


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
                notify_party(engagement.tutor, "deadline_soon", engagement, due_display=f"in {hours} h")
                reminded += 1
    return reminded
