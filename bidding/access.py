"""Who may see and change a bid. A bid's message is private to its tutor, the student and staff."""

from django.shortcuts import get_object_or_404

from accounts.models import User
from bidding.models import Bid


def get_own_bid(user: User, pk: int) -> Bid:
    """A bid its tutor may change; anyone else gets a 404."""
    return get_object_or_404(Bid.objects.select_related("question"), pk=pk, tutor_id=user.pk)


def get_bid_to_accept(user: User, pk: int) -> Bid:
    """A bid on one of the user's own questions; anyone else gets a 404."""
    return get_object_or_404(Bid.objects.select_related("question"), pk=pk, question__student_id=user.pk)


def bids_visible_to(user: User, question):
    """The student (and staff) see every bid on the question; a tutor sees only their own."""
    bids = question.bids.select_related("tutor", "tutor__stats", "tutor__tutor_profile")
    if user.is_staff or question.student_id == user.pk:
        return bids
    return bids.filter(tutor_id=user.pk)


BID_SORTS = {
    "price": lambda bid: (bid.amount, bid.delivery_hours),
    "delivery": lambda bid: (bid.delivery_hours, bid.amount),
    "rating": lambda bid: (-(bid.tutor.stats.rating or 0) if hasattr(bid.tutor, "stats") else 0, bid.amount),
}
