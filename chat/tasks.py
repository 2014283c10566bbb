from datetime import timedelta

from django.tasks import task

from chat.models import Message, Participant
from notifications.services import notify

# Someone who has not read a message this long after it arrived is taken to be away.
AWAY_AFTER = timedelta(minutes=2)


@task
def tell_if_unread(*, message_id: int) -> int:
    """Notify the other person of a message they still haven't read, once per unread stretch:
    only when it is the first message they haven't read, so a burst gives one notification."""
    message = Message.objects.select_related("conversation__bid__question", "sender").get(pk=message_id)
    conversation = message.conversation
    waiting = (
        Participant.objects.filter(conversation=conversation, last_read_seq=message.seq - 1)
        .exclude(user_id=message.sender_id)
        .select_related("user")
    )
    for participant in waiting:
        notify(
            participant.user,
            "new_message",
            sender_name=message.sender.get_short_name(),
            question_title=conversation.bid.question.title,
            url=conversation.get_absolute_url(),
        )
    return len(waiting)
