"""Writes to conversations: open one, post a message, mark messages read, typing and presence.

A message is saved with the next sequence number first; the broadcast follows the commit, so the
database is always ahead of the sockets and a client that resumes from its last seen sequence
number gets everything it missed.
"""

import re
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from accounts.models import User
from bidding.models import Bid
from chat import limits
from chat.masking import NOTICE, mask_contacts
from chat.models import Conversation, Message, MessageFile, Participant
from chat.payloads import message_payload
from core.markup import render_markdown
from core.realtime import badge_changed, broadcast_after_commit, conversation_group
from core.uploads import check_uploads
from engagements.models import Engagement
from notifications.models import Notification

ONLY_PARTIES = "Only the student and the tutor in this conversation can write in it."
ONLY_PARTIES_READ = "Only the student and the tutor in this conversation keep read marks."
NOT_YOUR_BID = "Only the bid's tutor and the question's student can talk about this bid."
BID_WITHDRAWN = "This bid was withdrawn, so its conversation is closed."
EMPTY = "Write a message or attach a file."
TOO_LONG = "A message can be at most {count:,} characters; send it in parts."
TOO_MANY_FILES = "Attach at most {count} files to a message."
BAD_CLIENT_ID = "Each message needs a client id of 8 to 64 letters, digits, dashes or underscores."
RATE_LIMITED = "You are sending messages too fast. Wait a few seconds and try again."

MAX_LENGTH = 5000
MAX_FILES = 5
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@transaction.atomic
def open_conversation(*, bid: Bid, by: User) -> Conversation:
    """The conversation about this bid, created on first use with both people in it."""
    student_id = bid.question.student_id
    if by.pk not in (student_id, bid.tutor_id):
        raise PermissionDenied(NOT_YOUR_BID)
    conversation, created = Conversation.objects.get_or_create(
        bid=bid, defaults={"student_id": student_id, "tutor_id": bid.tutor_id}
    )
    if created:
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user_id=user_id) for user_id in (student_id, bid.tutor_id)]
        )
    return conversation


def is_funded(conversation: Conversation) -> bool:
    """Paid for: the bid was accepted and the engagement's money is (or was) held."""
    return Engagement.objects.filter(bid_id=conversation.bid_id, funded_at__isnull=False).exists()


def _check_message(*, text: str, files: Sequence[UploadedFile], client_id: str) -> None:
    if not CLIENT_ID.fullmatch(client_id):
        raise ValidationError(BAD_CLIENT_ID, code="bad_client_id")
    if not text and not files:
        raise ValidationError({"text": ValidationError(EMPTY, code="empty")})
    if len(text) > MAX_LENGTH:
        raise ValidationError({"text": ValidationError(TOO_LONG.format(count=MAX_LENGTH), code="too_long")})
    if len(files) > MAX_FILES:
        message = TOO_MANY_FILES.format(count=MAX_FILES)
        raise ValidationError({"attachments": ValidationError(message, code="too_many_files")})


@transaction.atomic
def post_message(
    *, conversation: Conversation, by: User, text: str, files: Sequence[UploadedFile] = (), client_id: str
) -> Message:
    """Store a message once per client id (a re-send returns the stored one) and announce it."""
    if by.pk not in conversation.party_ids():
        raise PermissionDenied(ONLY_PARTIES)
    text, client_id = text.strip(), client_id.strip()
    _check_message(text=text, files=files, client_id=client_id)
    checked = check_uploads(files)
    locked = _lock(conversation)
    if existing := Message.objects.filter(conversation=locked, sender=by, client_id=client_id).first():
        return existing  # a re-send after a reconnect, or a double click
    if locked.bid_status == Bid.Status.WITHDRAWN:  # type: ignore[attr-defined]  # annotated by _lock
        raise ValidationError(BID_WITHDRAWN, code="closed")
    if not limits.allow_message(by.pk):
        raise ValidationError(RATE_LIMITED, code="rate_limited")
    message = _store(locked, by=by, text=text, client_id=client_id, mask=not locked.funded)  # type: ignore[attr-defined]
    stored = MessageFile.store(checked, message=message)
    _announce(locked, message, stored)
    return message


def _lock(conversation: Conversation) -> Conversation:
    """The conversation row locked (sequence numbers are handed out under it), with what the
    rules need in the same query: the bid's status and whether the engagement is paid."""
    paid = Engagement.objects.filter(bid_id=OuterRef("bid_id"), funded_at__isnull=False)
    return (
        Conversation.objects.select_for_update(of=("self",))
        .annotate(bid_status=F("bid__status"), funded=Exists(paid))
        .get(pk=conversation.pk)
    )


def _store(conversation: Conversation, *, by: User, text: str, client_id: str, mask: bool) -> Message:
    masked = False
    if text and mask:
        text, masked = mask_contacts(text)
    now = timezone.now()
    conversation.last_seq += 1
    conversation.last_message_at = now
    conversation.save(update_fields=["last_seq", "last_message_at"])
    message = Message.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        sender=by,
        client_id=client_id,
        text=text,
        html=render_markdown(text) if text else "",
        masked=masked,
        created_at=now,
    )
    # Writing a message means having read everything before it.
    Participant.objects.filter(conversation=conversation, user=by).update(last_read_seq=message.seq, last_read_at=now)
    return message


def _announce(conversation: Conversation, message: Message, files: list[MessageFile]) -> None:
    payload = message_payload(message, files)
    others = [user_id for user_id in conversation.party_ids() if user_id != message.sender_id]
    broadcast_after_commit(
        conversation_group(conversation.pk),
        {"type": "chat.message", "message": payload},
        *[badge_changed(user_id) for user_id in others],
    )
    # Whoever leaves it unread is reminded by the clock's sweep (chat.reminders), not per message.


@transaction.atomic
def mark_read(*, conversation: Conversation, by: User, seq: int) -> int:
    """Move the reader's mark forward (never back) to `seq`; returns the mark now stored."""
    if by.pk not in conversation.party_ids():
        raise PermissionDenied(ONLY_PARTIES_READ)  # staff read without leaving a mark
    head = Conversation.objects.values_list("last_seq", flat=True).get(pk=conversation.pk)
    seq = max(0, min(int(seq), head))
    moved = Participant.objects.filter(conversation=conversation, user=by, last_read_seq__lt=seq).update(
        last_read_seq=seq, last_read_at=timezone.now()
    )
    if moved:
        event = {"type": "chat.read", "user": by.pk, "seq": seq}
        broadcast_after_commit(conversation_group(conversation.pk), event, badge_changed(by.pk))
    return seq if moved else read_marks(conversation).get(by.pk, 0)


def mask_notice() -> str:
    return NOTICE


def read_marks(conversation: Conversation) -> dict[int, int]:
    return dict(Participant.objects.filter(conversation=conversation).values_list("user_id", "last_read_seq"))


def unread_counts(user: User) -> dict[str, int]:
    """What the navigation badges show, for the page and the live badge alike: unread chat messages
    and unread notifications, in one query (every page pays for it)."""
    # Plain SQL: built with the ORM's subquery annotations, this query cost ~4 ms of Python per
    # page to compile, more than everything else the navigation does.
    with connection.cursor() as cursor:
        cursor.execute(UNREAD_COUNTS_SQL, [user.pk, user.pk])
        chat, notes = cursor.fetchone()
    return {"chat": chat, "notifications": notes}


# Table names come from the models; the user ids are bound parameters.
UNREAD_COUNTS_SQL = f"""
SELECT
  (SELECT COALESCE(SUM(c.last_seq - p.last_read_seq), 0)
    FROM {Participant._meta.db_table} p JOIN {Conversation._meta.db_table} c ON c.id = p.conversation_id
    WHERE p.user_id = %s),
  (SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE user_id = %s AND in_app AND read_at IS NULL)
"""  # noqa: S608
