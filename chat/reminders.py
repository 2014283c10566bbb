"""Tell people about messages they have left unread: a sweep the clock runs every minute.

A sweep instead of a delayed task per message, so sending a message writes nothing for the
reminder. Each unread stretch is told once: `told_seq` remembers how far the reminder went, and a
new stretch starts when the person reads past it.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from chat.models import Message, Participant
from notifications.services import notify

# Someone who has not read a message this long after it arrived is taken to be away.
AWAY_AFTER = timedelta(minutes=2)
# Unread stretches older than this are left alone: the person has had the message for days.
LOOK_BACK = timedelta(days=2)
BATCH = 500


def due(now: datetime):
    """Participants whose first unread message arrived more than AWAY_AFTER ago, not yet told."""
    first_unread_is_old = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"),
        seq=OuterRef("last_read_seq") + 1,
        created_at__lte=now - AWAY_AFTER,
    ).exclude(sender_id=OuterRef("user_id"))
    return (
        Participant.objects.filter(
            conversation__last_seq__gt=F("last_read_seq"),
            conversation__last_message_at__gte=now - LOOK_BACK,
            told_seq__lte=F("last_read_seq"),
        )
        .filter(Exists(first_unread_is_old))
        .select_related("user", "conversation__bid__question")
    )


def remind_unread(now: datetime | None = None) -> int:
    """Notify everyone due a reminder; returns how many were told."""
    now = now or timezone.now()
    told = 0
    for participant in due(now)[:BATCH]:
        told += _tell(participant)
    return told


@transaction.atomic
def _tell(participant: Participant) -> int:
    conversation = participant.conversation
    # Claim the stretch first, so a second sweep running at once tells nobody twice.
    claimed = Participant.objects.filter(pk=participant.pk, told_seq=participant.told_seq).update(
        told_seq=conversation.last_seq
    )
    if not claimed:
        return 0
    sender = Message.objects.select_related("sender").get(conversation=conversation, seq=participant.last_read_seq + 1)
    notify(
        participant.user,
        "new_message",
        sender_name=sender.sender.get_short_name(),
        question_title=conversation.bid.question.title,
        url=conversation.get_absolute_url(),
    )
    return 1
