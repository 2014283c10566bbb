"""Chat: your conversations, their messages (resume with `after`, scroll back with `before`),
posting, read marks and files. The same access helpers and services as the socket and the page."""

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from api import present
from api import schemas as s
from api.auth import caller
from api.pagination import paginate_by
from chat import access, services
from chat.models import Conversation, Message, Participant
from core.uploads import file_response

router = Router(tags=["chat"])


@router.get("/conversations", response={200: s.ConversationPage, **s.ERRORS})
def list_conversations(request: HttpRequest, query: Query[s.PageQuery]):
    """Your conversations, latest activity first, with unread counts. A conversation that gets a
    message while you page moves to the top: fetch the first page again to see it there."""
    user = caller(request)
    rows, next_cursor = paginate_by(
        Participant.objects.inbox(user), field="active_at", cursor=query.cursor, limit=query.limit
    )
    return s.ConversationPage(items=[present.conversation(row, user=user) for row in rows], next_cursor=next_cursor)


@router.post("/bids/{bid_id}/conversation", response={200: s.ConversationOut, **s.ERRORS})
def open_conversation(request: HttpRequest, bid_id: int = s.object_id("bid")):
    """The conversation about a bid (opened on first use): for the bid's tutor and the question's student."""
    user = caller(request)
    conversation = services.open_conversation(bid=access.get_bid_to_discuss(user, bid_id), by=user)
    return present.conversation(Participant.objects.inbox(user).get(conversation=conversation), user=user)


@router.get("/conversations/{conversation_id}/messages", response={200: s.MessagePage, **s.ERRORS})
def list_messages(
    request: HttpRequest, query: Query[s.MessageQuery], conversation_id: int = s.object_id("conversation")
):
    """`after=<seq>`: the messages after it, oldest first (resume from the last one you have).
    `before=<seq>` or neither: the newest `limit` messages before it (scroll back). Both oldest first."""
    conversation = access.get_conversation_for(caller(request), conversation_id)
    shown, cursor = _window(conversation, query)
    marks = services.read_marks(conversation)
    return s.MessagePage(
        items=[present.chat_message(message) for message in shown],
        next=cursor,
        last_seq=conversation.last_seq,
        read_marks=[s.ReadMark(user_id=user_id, seq=seq) for user_id, seq in marks.items()],
    )


def _window(conversation: Conversation, query: s.MessageQuery) -> tuple[list[Message], s.After | s.Before | None]:
    """The messages asked for, oldest first, and the query for the next page in that direction."""
    messages = Message.objects.filter(conversation=conversation)
    if query.after is not None:
        shown = list(messages.after(query.after, query.limit))
        more = bool(shown) and shown[-1].seq < conversation.last_seq
        return shown, s.After(after=shown[-1].seq) if more else None
    shown = messages.before(query.before, query.limit)
    return shown, s.Before(before=shown[0].seq) if shown and shown[0].seq > 1 else None


@router.post("/conversations/{conversation_id}/messages", response={201: s.MessagePosted, **s.RATE_LIMITED})
def post_message(request: HttpRequest, payload: s.MessageIn, conversation_id: int = s.object_id("conversation")):
    """Send a message. Before payment, contact details are hidden (and `notice` says so). A retry
    with the same `client_id` returns the stored message instead of a second one."""
    conversation = access.get_conversation_for(caller(request), conversation_id)
    message = services.post_message(
        conversation=conversation,
        by=caller(request),
        text=payload.text,
        client_id=payload.client_id or uuid.uuid4().hex,  # without one, a retry stores a second copy
    )
    stored = Message.objects.with_files().get(pk=message.pk)
    return Status(201, s.MessagePosted(message=present.chat_message(stored), notice=_notice(message)))


def _notice(message: Message) -> str | None:
    return services.mask_notice() if message.masked else None


@router.post("/conversations/{conversation_id}/read", response={200: s.ReadOut, **s.ERRORS})
def mark_read(request: HttpRequest, payload: s.ReadIn, conversation_id: int = s.object_id("conversation")):
    """You have read up to `seq`. The mark only moves forward, and never past the newest message."""
    conversation = access.get_conversation_for(caller(request), conversation_id)
    seq = services.mark_read(conversation=conversation, by=caller(request), seq=payload.seq)
    return s.ReadOut(last_read_seq=seq)


@router.get("/chat-files/{chat_file_id}", response={200: bytes, **s.FILE_ERRORS})
def download_chat_file(request: HttpRequest, chat_file_id: int = s.object_id("file")):
    """A file sent in a conversation, as a download: only for the two people in it and staff."""
    item = access.get_file_for(caller(request), chat_file_id)
    return file_response(item)
