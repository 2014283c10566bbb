"""The lock order, stated here and nowhere else. A write takes the rows it needs in this order,
skipping those it does not need, and locks each one once:

    question → bid → engagement → payment → escrow → refund → tutor → payout → tutor stats

Every write about a question locks the question first, so two of them queue at its row and no two
transactions ever wait on each other in a circle. Each helper below locks one kind of row and only
that row (`of=("self",)`: rows it joins are read, not locked). The engagement's money transitions
(`engagements.transitions`) are handed these rows already locked and lock nothing themselves.
"""

from accounts.models import User
from bidding.models import Bid
from engagements.models import Engagement
from payments.models import Escrow
from questions.models import Question


def lock_engagement(engagement: Engagement, *, with_bid: bool = False) -> Engagement:
    """The question, its accepted bid (when the change ends the question), then the engagement,
    returned fresh with its question, bid and both parties attached."""
    Question.objects.select_for_update().get(pk=engagement.question_id)
    if with_bid:
        Bid.objects.select_for_update().get(pk=engagement.bid_id)
    return (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("question", "bid", "student", "tutor")
        .get(pk=engagement.pk)
    )


def lock_escrow(engagement: Engagement) -> Escrow | None:
    """The engagement's escrow (after the engagement), with its payment read alongside."""
    escrow = (
        Escrow.objects.select_for_update(of=("self",))
        .filter(engagement_id=engagement.pk)
        .select_related("payment")
        .first()
    )
    if escrow is not None:
        escrow.engagement = engagement
    return escrow


def lock_tutor(tutor: User) -> User:
    """One balance decision at a time per tutor (payouts never overdraw)."""
    return User.objects.select_for_update().get(pk=tutor.pk)
