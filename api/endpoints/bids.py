"""Bids: a question's bids (list, place), and a bid's edit, withdrawal and acceptance."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from api import present
from api import schemas as s
from api.auth import caller
from bidding import services
from bidding.access import BID_SORTS, bids_visible_to, get_bid_to_accept, get_own_bid
from bidding.models import Bid
from engagements import services as engagement_services
from engagements.access import get_engagement_for
from questions.access import get_question_for

router = Router(tags=["bids"])

SHOWN = (Bid.Status.LIVE, Bid.Status.ACCEPTED)  # as on the question page: withdrawn and spent bids drop off


@router.get("/questions/{question_id}/bids", response={200: list[s.BidOut], **s.ERRORS})
def list_bids(request: HttpRequest, query: Query[s.BidQuery], question_id: int = s.object_id("question")):
    """The student (and staff) see every bid with its message; a tutor sees only their own."""
    user = caller(request)
    question = get_question_for(user, question_id)
    bids = [bid for bid in bids_visible_to(user, question) if bid.status in SHOWN]
    bids.sort(key=BID_SORTS[query.sort])
    return [present.bid(bid) for bid in bids]


@router.post("/questions/{question_id}/bids", response={201: s.BidOut, **s.ERRORS})
def place_bid(request: HttpRequest, payload: s.BidIn, question_id: int = s.object_id("question")):
    """Bid on an open question, in its currency (amount in minor units)."""
    user = caller(request)
    question = get_question_for(user, question_id)
    bid = services.place_bid(
        question=question,
        tutor=user,
        amount=payload.amount,
        message=payload.message,
        delivery_hours=payload.delivery_hours,
    )
    return Status(201, present.bid(_fresh(bid.pk)))


@router.patch("/bids/{bid_id}", response={200: s.BidOut, **s.ERRORS})
def edit_bid(request: HttpRequest, payload: s.BidPatch, bid_id: int = s.object_id("bid")):
    """Change a live bid until the student accepts one; fields left out keep their value."""
    bid = get_own_bid(caller(request), bid_id)
    services.edit_bid(
        bid=bid,
        by=caller(request),
        amount=payload.amount if payload.amount is not None else bid.amount,
        message=payload.message if payload.message is not None else bid.message,
        delivery_hours=payload.delivery_hours or bid.delivery_hours,
    )
    return present.bid(_fresh(bid_id))


@router.post("/bids/{bid_id}/withdraw", response={200: s.BidOut, **s.ERRORS})
def withdraw_bid(request: HttpRequest, bid_id: int = s.object_id("bid")):
    services.withdraw_bid(bid=get_own_bid(caller(request), bid_id), by=caller(request))
    return present.bid(_fresh(bid_id))


@router.post("/bids/{bid_id}/accept", response={201: s.EngagementOut, **s.ERRORS})
def accept_bid(request: HttpRequest, bid_id: int = s.object_id("bid")):
    """Accept a bid on your question: the engagement starts, awaiting payment."""
    user = caller(request)
    engagement = engagement_services.accept_bid(bid=get_bid_to_accept(user, bid_id), by=user)
    return Status(201, present.engagement(get_engagement_for(user, engagement.pk)))


def _fresh(pk: int) -> Bid:
    return Bid.objects.select_related("tutor", "tutor__stats").get(pk=pk)
