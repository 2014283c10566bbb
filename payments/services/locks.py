"""Rows are locked in one fixed order everywhere: question → engagement → payment → escrow → refund/payout.

The same order in every code path means two transactions never wait on each other in a circle."""

from accounts.models import User
from engagements.models import Engagement
from payments.models import Escrow
from questions.models import Question


def lock_engagement(engagement: Engagement) -> Engagement:
    Question.objects.select_for_update().get(pk=engagement.question_id)
    return Engagement.objects.select_for_update().select_related("question", "bid").get(pk=engagement.pk)


def lock_escrow(engagement: Engagement) -> Escrow | None:
    return Escrow.objects.select_for_update().filter(engagement_id=engagement.pk).select_related("payment").first()


def lock_tutor(tutor: User) -> User:
    """One balance decision at a time per tutor (payouts never overdraw)."""
    return User.objects.select_for_update().get(pk=tutor.pk)
