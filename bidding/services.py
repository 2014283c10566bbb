"""Writes to bids: place, edit, withdraw. Accepting a bid starts an engagement (engagements.services)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min

from accounts.models import User
from bidding.models import Bid, TutorStats
from core.money import currency_rules, format_money
from core.realtime import broadcast_after_commit, question_group
from notifications.services import notify
from questions.models import Question

ONLY_TUTORS = "Only tutor accounts can bid."
OWN_QUESTION = "You can't bid on your own question."
QUESTION_CLOSED = "This question is no longer taking bids."
ALREADY_BID = "You already have a bid on this question: edit it instead."
TOO_MANY_BIDS = "You have {count} live bids, the most allowed. Withdraw one or wait for answers."
BELOW_MINIMUM = "The smallest bid is {minimum}."
NOT_YOUR_BID = "This bid belongs to another tutor."
NOT_LIVE = "This bid can't be changed: it is {status}."
DELIVERY_RANGE = "Choose a delivery time between 1 hour and 60 days."
MAX_DELIVERY_HOURS = 60 * 24


def _check_terms(*, question: Question, amount: int, delivery_hours: int) -> None:
    errors = {}
    minimum = currency_rules(question.currency).min_bid
    if amount < minimum:
        errors["amount"] = BELOW_MINIMUM.format(minimum=format_money(minimum, question.currency))
    if not 1 <= delivery_hours <= MAX_DELIVERY_HOURS:
        errors["delivery_hours"] = DELIVERY_RANGE
    if errors:
        raise ValidationError(errors)


def _lock_open_question(question: Question) -> Question:
    # The question first, as in the one lock order (payments/services/locks.py).
    question = Question.objects.select_for_update().get(pk=question.pk)
    if not question.is_open:
        raise ValidationError(QUESTION_CLOSED, code="question_closed")
    return question


@transaction.atomic
def place_bid(*, question: Question, tutor: User, amount: int, message: str, delivery_hours: int) -> Bid:
    if not tutor.is_tutor:
        raise PermissionDenied(ONLY_TUTORS)
    if question.student_id == tutor.pk:
        raise PermissionDenied(OWN_QUESTION)
    question = _lock_open_question(question)
    if Bid.objects.filter(question=question, tutor=tutor, status=Bid.Status.LIVE).exists():
        raise ValidationError(ALREADY_BID, code="already_bid")
    if Bid.objects.live().filter(tutor=tutor).count() >= settings.MAX_LIVE_BIDS_PER_TUTOR:
        raise ValidationError(TOO_MANY_BIDS.format(count=settings.MAX_LIVE_BIDS_PER_TUTOR), code="too_many_bids")
    _check_terms(question=question, amount=amount, delivery_hours=delivery_hours)
    bid = Bid.objects.create(
        question=question,
        tutor=tutor,
        amount=amount,
        currency=question.currency,
        message=message.strip(),
        delivery_hours=delivery_hours,
    )
    _refresh_counters(question)
    _count_response(tutor=tutor, seconds=int((bid.created_at - question.created_at).total_seconds()))
    notify(
        question.student,
        "new_bid",
        tutor_name=tutor.full_name,
        amount_display=format_money(bid.amount, bid.currency),
        question_title=question.title,
        url=question.get_absolute_url(),
    )
    announce_bid(bid, change="placed")
    return bid


@transaction.atomic
def edit_bid(*, bid: Bid, by: User, amount: int, message: str, delivery_hours: int) -> Bid:
    question, bid = _lock_own_live_bid(bid, by)
    _check_terms(question=question, amount=amount, delivery_hours=delivery_hours)
    bid.amount = amount
    bid.message = message.strip()
    bid.delivery_hours = delivery_hours
    bid.save()
    _refresh_counters(question)
    announce_bid(bid, change="edited")
    return bid


@transaction.atomic
def withdraw_bid(*, bid: Bid, by: User) -> Bid:
    question, bid = _lock_own_live_bid(bid, by)
    bid.move_to(Bid.Status.WITHDRAWN, by=by)
    bid.save(update_fields=["status", "updated_at"])
    _refresh_counters(question)
    announce_bid(bid, change="withdrawn")
    return bid


def _lock_own_live_bid(bid: Bid, by: User) -> tuple[Question, Bid]:
    if bid.tutor_id != by.pk:
        raise PermissionDenied(NOT_YOUR_BID)
    question = _lock_open_question(bid.question)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    if bid.status != Bid.Status.LIVE:
        raise ValidationError(NOT_LIVE.format(status=bid.get_status_display().lower()), code="bid_not_live")
    return question, bid


def announce_bid(bid: Bid, *, change: str) -> None:
    """Tell the question's live bid board, after commit. Ids only: watchers fetch what they may see."""
    event = {"type": "bids.changed", "bid": bid.pk, "tutor": bid.tutor_id, "change": change}
    broadcast_after_commit(question_group(bid.question_id), event)


def _refresh_counters(question: Question) -> None:
    """Bid count and lowest bid, recomputed at write time so list pages only read columns."""
    live = Bid.objects.filter(question=question, status=Bid.Status.LIVE)
    question.bid_count = live.count()
    question.lowest_bid = live.aggregate(lowest=Min("amount"))["lowest"]
    question.save(update_fields=["bid_count", "lowest_bid"])


def _count_response(*, tutor: User, seconds: int) -> None:
    stats, _ = TutorStats.objects.select_for_update().get_or_create(tutor=tutor)
    stats.bid_count += 1
    stats.response_seconds_total += max(0, seconds)
    stats.save(update_fields=["bid_count", "response_seconds_total"])
