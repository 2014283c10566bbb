"""Who may read and write a conversation. Pages, JSON views and sockets all ask here.

The rule mirrors the engagement pages (`engagements.access`): the student and the tutor, plus
staff who may read (to settle disputes) but never write. A conversation about a bid is opened
only by that bid's tutor or the question's student (`bidding.access`).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from bidding.access import get_bid_to_accept, get_own_bid
from bidding.models import Bid
from chat.models import Conversation, MessageFile


def can_read(user: User, conversation: Conversation) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or user.pk in conversation.party_ids()


def can_write(user: User, conversation: Conversation) -> bool:
    return user.is_authenticated and user.pk in conversation.party_ids()


def get_conversation_for(user: User, pk: int) -> Conversation:
    conversation = get_object_or_404(_conversations(), pk=pk)
    if not can_read(user, conversation):
        raise Http404("No such conversation.")
    return conversation


def conversation_or_none(user: User, pk: int) -> Conversation | None:
    """For sockets, which answer with a close code rather than a 404 page."""
    try:
        return get_conversation_for(user, pk)
    except Http404:
        return None


def get_bid_to_discuss(user: User, pk: int) -> Bid:
    """A bid the user may talk about: their own, or one on their question."""
    try:
        return get_own_bid(user, pk)
    except Http404:
        return get_bid_to_accept(user, pk)


def get_file_for(user: User, pk: int) -> MessageFile:
    file = get_object_or_404(MessageFile.objects.select_related("message__conversation"), pk=pk)
    if not can_read(user, file.message.conversation):
        raise Http404("No such file.")
    return file


def _conversations():
    return Conversation.objects.select_related("bid", "bid__question", "student", "tutor")
