"""The chat, the live bid board and the badge over real sockets (WebsocketCommunicator through
the whole ASGI stack: origin check, session, routing). On the configured channel layer: in
memory by default, Redis when REDIS_URL is set (CI's second pass)."""

import asyncio
import os
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone

from api import services as api_services
from bidding import services as bid_services
from chat import limits, services
from chat.models import Message
from chat.reminders import remind_unread
from core.consumers import CLOSE_FORBIDDEN, CLOSE_SERVER_RESTART, CLOSE_UNAUTHENTICATED
from engagements import services as engagement_services
from experthive.asgi import application
from notifications import services as notification_services
from notifications.services import notify
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db(transaction=True)
QUIET = 1.0  # seconds of silence that count as "nothing more arrives"


@pytest.fixture(autouse=True)
def _own_channel_prefix(settings):
    """On Redis, pub/sub channels are server-wide: a prefix of our own keeps runs apart."""
    layer = settings.CHANNEL_LAYERS["default"]
    if "redis" in layer["BACKEND"]:
        config = {**layer["CONFIG"], "prefix": f"test-{uuid.uuid4().hex[:8]}"}
        settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": config}}


@pytest.fixture
def conversation(bola_bid, ada):
    return services.open_conversation(bid=bola_bid, by=ada)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(path: str, user=None, *, expect_open: bool = True) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1")]
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    if expect_open:
        assert (await receive(communicator, "ready", "counts"))["type"] in ("ready", "counts")
    return communicator


async def receive(communicator, *types: str, timeout: float = 10) -> dict:
    """The next frame of one of these types, skipping presence, typing and the like."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] in types:
            return frame


async def frames(communicator, kind: str) -> list[dict]:
    """Every frame of this kind that arrives before the socket goes quiet."""
    found = []
    while not await communicator.receive_nothing(timeout=QUIET):
        frame = await communicator.receive_json_from()
        if frame["type"] == kind:
            found.append(frame)
    return found


async def closed_with(communicator) -> int:
    output = await communicator.receive_output(timeout=10)
    assert output["type"] == "websocket.close"
    return output["code"]


def chat(conversation) -> str:
    return f"/ws/chat/{conversation.pk}/"


post = database_sync_to_async(services.post_message)


async def test_a_student_and_a_tutor_exchange_messages(conversation, ada, bola):
    student = await open_socket(chat(conversation), ada)
    tutor = await open_socket(chat(conversation), bola)

    await student.send_json_to({"type": "message", "client_id": "ada-00000001", "text": "Can you show **every** step?"})
    ack = await receive(student, "ack")
    received = await receive(tutor, "message")
    await tutor.send_json_to({"type": "message", "client_id": "bola-0000001", "text": "Yes, all of them."})
    both = [frame["message"] for frame in await frames(student, "message")]

    assert ack == {"type": "ack", "client_id": "ada-00000001", "seq": 1, "masked": False}
    assert received["message"]["seq"] == 1
    assert received["message"]["sender_name"] == "Ada Okonkwo"
    assert "<strong>every</strong>" in received["message"]["html"]
    assert [(m["seq"], m["sender"]) for m in both] == [(1, ada.pk), (2, bola.pk)]
    assert both[1]["html"] == "<p>Yes, all of them.</p>"
    await student.disconnect()
    await tutor.disconnect()


async def test_a_stranger_is_closed_with_forbidden_and_cannot_send(conversation, dayo, chen):
    for outsider in (dayo, chen):
        socket = await open_socket(chat(conversation), outsider, expect_open=False)

        assert await closed_with(socket) == CLOSE_FORBIDDEN
        await socket.send_json_to({"type": "message", "client_id": "dayo-0000001", "text": "let me in"})
        await socket.disconnect()

    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_an_anonymous_socket_is_told_to_log_in(conversation):
    socket = await open_socket(chat(conversation), expect_open=False)

    assert await closed_with(socket) == CLOSE_UNAUTHENTICATED


async def test_staff_read_a_conversation_but_cannot_write_in_it(conversation, staff, ada):
    socket = await open_socket(chat(conversation), staff)

    await socket.send_json_to({"type": "message", "client_id": "staff-000001", "text": "hello"})

    assert (await receive(socket, "error"))["code"] == "forbidden"
    await post(conversation=conversation, by=ada, text="Hello Bola", client_id="ada-00000001")
    assert (await receive(socket, "message"))["message"]["seq"] == 1
    await socket.disconnect()


async def test_contact_details_are_masked_before_payment_and_the_sender_is_told(conversation, ada, bola):
    tutor = await open_socket(chat(conversation), bola)
    student = await open_socket(chat(conversation), ada)

    await tutor.send_json_to(
        {"type": "message", "client_id": "bola-0000001", "text": "WhatsApp me: 0803 123 4567 or bola@gmail.com"}
    )
    ack = await receive(tutor, "ack")
    seen = (await receive(student, "message"))["message"]

    assert ack["masked"] is True
    assert "once the student has paid" in ack["notice"]
    assert "0803" not in seen["html"] and "gmail" not in seen["html"]
    assert "[hidden until payment]" in seen["html"]
    await tutor.disconnect()
    await student.disconnect()


async def test_nothing_is_masked_once_the_engagement_is_paid(conversation, ada, bola):
    engagement = await database_sync_to_async(engagement_services.accept_bid)(bid=conversation.bid, by=ada)
    tutor = await open_socket(chat(conversation), bola)
    await tutor.send_json_to({"type": "message", "client_id": "bola-0000001", "text": "Call 0803 123 4567"})
    assert (await receive(tutor, "ack"))["masked"] is True  # accepted, not yet paid

    await database_sync_to_async(pay_in_sandbox)(engagement)
    await tutor.send_json_to({"type": "message", "client_id": "bola-0000002", "text": "Call 0803 123 4567"})

    assert (await receive(tutor, "ack"))["masked"] is False
    assert "0803 123 4567" in (await receive(tutor, "message"))["message"]["html"]
    await tutor.disconnect()


async def test_after_a_disconnect_the_client_gets_exactly_the_missed_messages(conversation, ada, bola):
    student = await open_socket(chat(conversation), ada)
    await post(conversation=conversation, by=bola, text="one", client_id="bola-0000001")
    assert (await receive(student, "message"))["message"]["seq"] == 1
    await student.disconnect()

    for n in (2, 3, 4):
        await post(conversation=conversation, by=bola, text=f"missed {n}", client_id=f"bola-000000{n}")
    student = await open_socket(chat(conversation) + "?after=1", ada)
    missed = await frames(student, "message")

    assert [frame["message"]["seq"] for frame in missed] == [2, 3, 4]
    assert [frame["message"]["html"] for frame in missed] == ["<p>missed 2</p>", "<p>missed 3</p>", "<p>missed 4</p>"]
    await post(conversation=conversation, by=bola, text="live again", client_id="bola-0000005")
    assert [frame["message"]["seq"] for frame in await frames(student, "message")] == [5]
    await student.disconnect()


async def test_a_message_resent_with_the_same_client_id_is_stored_and_delivered_once(conversation, ada, bola):
    tutor = await open_socket(chat(conversation), bola)
    student = await open_socket(chat(conversation), ada)
    frame = {"type": "message", "client_id": "ada-resend-01", "text": "Are you there?"}

    await student.send_json_to(frame)
    first = await receive(student, "ack")
    await student.send_json_to(frame)  # the reconnect path sends its queue again
    second = await receive(student, "ack")

    assert first["seq"] == second["seq"] == 1
    assert len(await frames(tutor, "message")) == 1
    assert await database_sync_to_async(Message.objects.count)() == 1
    await tutor.disconnect()
    await student.disconnect()


async def test_typing_and_read_receipts_reach_the_other_side(conversation, ada, bola):
    tutor = await open_socket(chat(conversation), bola)
    student = await open_socket(chat(conversation), ada)
    await tutor.send_json_to({"type": "message", "client_id": "bola-0000001", "text": "Here is step one."})
    await receive(student, "message")

    await student.send_json_to({"type": "typing"})
    typing = await receive(tutor, "typing")
    await student.send_json_to({"type": "read", "seq": 1})
    read = await receive(tutor, "read")

    assert typing == {"type": "typing", "user": ada.pk, "name": "Ada"}
    assert read == {"type": "read", "user": ada.pk, "seq": 1}
    await tutor.disconnect()
    await student.disconnect()


async def test_presence_tells_each_side_the_other_is_online(conversation, ada, bola):
    tutor = await open_socket(chat(conversation), bola)
    student = await open_socket(chat(conversation), ada)

    assert await receive(tutor, "presence") == {"type": "presence", "user": ada.pk, "online": True}
    assert await receive(student, "presence") == {"type": "presence", "user": bola.pk, "online": True}
    await student.disconnect()
    # Either side may say hello twice when both join at once; the last word is what counts.
    assert (await frames(tutor, "presence"))[-1] == {"type": "presence", "user": ada.pk, "online": False}
    await tutor.disconnect()


async def test_bad_frames_get_clear_errors_and_the_socket_keeps_working(conversation, ada):
    student = await open_socket(chat(conversation), ada)

    await student.send_to(text_data="{not json")
    assert (await receive(student, "error"))["code"] == "malformed"
    await student.send_to(text_data="x" * 20_000)
    assert (await receive(student, "error"))["code"] == "too_big"
    await student.send_to(bytes_data=b"\x00\x01")
    assert (await receive(student, "error"))["code"] == "text_only"
    await student.send_json_to({"type": "launch_missiles"})
    assert (await receive(student, "error"))["code"] == "unknown_type"
    await student.send_json_to({"type": "message", "client_id": "short", "text": "hi"})
    assert (await receive(student, "error"))["code"] == "bad_client_id"

    await student.send_json_to({"type": "message", "client_id": "ada-00000001", "text": "still here"})
    assert (await receive(student, "ack"))["seq"] == 1
    await student.disconnect()


async def test_a_flood_is_rate_limited_with_an_error_frame(conversation, ada, settings):
    settings.CHAT_RATE_LIMIT = 3
    await database_sync_to_async(limits.reset)(ada.pk)
    student = await open_socket(chat(conversation), ada)

    for n in range(4):
        await student.send_json_to({"type": "message", "client_id": f"ada-flood-{n:03}", "text": f"spam {n}"})
    replies = [await receive(student, "ack", "error") for _ in range(4)]

    assert [reply["type"] for reply in replies] == ["ack", "ack", "ack", "error"]
    assert replies[-1]["code"] == "rate_limited"
    assert "too fast" in replies[-1]["message"]
    await student.disconnect()


async def test_a_message_whose_broadcast_was_lost_arrives_with_the_next_heartbeat(
    conversation, ada, bola, settings, monkeypatch
):
    settings.WEBSOCKET_HEARTBEAT_SECONDS = 0.5
    student = await open_socket(chat(conversation), ada)
    monkeypatch.setattr("core.realtime.broadcast_all", lambda sends: None)  # the layer is down

    await post(conversation=conversation, by=bola, text="sent while Redis restarted", client_id="bola-0000001")
    recovered = await receive(student, "message", timeout=3)
    heartbeat = await receive(student, "heartbeat", timeout=3)

    assert recovered["message"]["html"] == "<p>sent while Redis restarted</p>"
    assert heartbeat == {"type": "heartbeat", "seq": 1}
    await student.disconnect()


async def test_a_server_shutdown_closes_the_socket_with_a_come_back_code(conversation, ada):
    student = await open_socket(chat(conversation), ada)

    student.future.cancel()
    await asyncio.sleep(0.1)

    codes = [m.get("code") for m in _drain(student.output_queue) if m["type"] == "websocket.close"]
    assert codes == [CLOSE_SERVER_RESTART]


def _drain(queue) -> list[dict]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


# --- Live bid board ------------------------------------------------------------------------


async def test_the_student_sees_a_new_bid_arrive_and_a_tutor_sees_the_question_taken(question, ada, bola, chen):
    board = f"/ws/questions/{question.pk}/bids/"
    bola_bid = await database_sync_to_async(bid_services.place_bid)(
        question=question, tutor=bola, amount=400_000, message="Step by step.", delivery_hours=12
    )
    student = await open_socket(board, ada)
    tutor = await open_socket(board, bola)

    chen_bid = await database_sync_to_async(bid_services.place_bid)(
        question=question, tutor=chen, amount=300_000, message="Formula.", delivery_hours=24
    )
    arrived = await receive(student, "bids.changed")
    await database_sync_to_async(engagement_services.accept_bid)(bid=chen_bid, by=ada)
    taken = await receive(tutor, "question.changed", "bids.changed")

    assert arrived == {"type": "bids.changed", "change": "placed", "bid": chen_bid.pk}
    assert taken == {"type": "question.changed", "status": "assigned"}  # nothing about Chen's bid itself
    assert bola_bid.pk
    await student.disconnect()
    await tutor.disconnect()


async def test_a_student_cannot_watch_another_students_bid_board(question, dayo):
    socket = await open_socket(f"/ws/questions/{question.pk}/bids/", dayo, expect_open=False)

    assert await closed_with(socket) == CLOSE_FORBIDDEN


# --- Badge ------------------------------------------------------------------------------------


async def counts_until(badge, **expected) -> dict:
    """Counts frames until one shows these numbers (one change may be counted more than once)."""
    wanted = {"type": "counts", **expected}
    while (frame := await receive(badge, "counts")) != wanted:
        pass
    return frame


def notify_in_transaction(user, kind: str, **context):
    with transaction.atomic():
        return notify(user, kind, **context)


def new_bid_for(user):
    context = {"question_title": "Fractions", "amount_display": "₦4,000", "tutor_name": "Bola Adeyemi", "url": "/"}
    return notify_in_transaction(user, "new_bid", **context)


async def test_the_badge_counts_unread_messages_live(conversation, ada, bola):
    badge = await open_socket("/ws/notifications/", bola, expect_open=False)
    assert await receive(badge, "counts") == {"type": "counts", "chat": 0, "notifications": 0}

    await post(conversation=conversation, by=ada, text="Hello", client_id="ada-00000001")
    await counts_until(badge, chat=1, notifications=0)
    # Left unread for a few minutes: the clock's sweep adds the "you have a message" notification.
    await database_sync_to_async(remind_unread)(now=timezone.now() + timedelta(minutes=3))
    await counts_until(badge, chat=1, notifications=1)
    await database_sync_to_async(services.mark_read)(conversation=conversation, by=bola, seq=1)
    await counts_until(badge, chat=0, notifications=1)
    await badge.disconnect()


async def test_a_notification_raises_the_badge_live_and_reading_lowers_it(ada):
    badge = await open_socket("/ws/notifications/", ada, expect_open=False)
    assert await receive(badge, "counts") == {"type": "counts", "chat": 0, "notifications": 0}

    first = await database_sync_to_async(new_bid_for)(ada)
    assert await receive(badge, "counts") == {"type": "counts", "chat": 0, "notifications": 1}
    await database_sync_to_async(new_bid_for)(ada)
    assert await receive(badge, "counts") == {"type": "counts", "chat": 0, "notifications": 2}
    await database_sync_to_async(notification_services.mark_read)(notification=first)
    assert await receive(badge, "counts") == {"type": "counts", "chat": 0, "notifications": 1}
    await database_sync_to_async(notification_services.mark_all_read)(user=ada)
    assert await receive(badge, "counts") == {"type": "counts", "chat": 0, "notifications": 0}
    await badge.disconnect()


async def test_someone_elses_notification_does_not_reach_my_badge(ada, dayo):
    badge = await open_socket("/ws/notifications/", ada, expect_open=False)
    await receive(badge, "counts")

    await database_sync_to_async(new_bid_for)(dayo)

    assert await badge.receive_nothing(timeout=QUIET)
    await database_sync_to_async(new_bid_for)(ada)  # the socket was listening all along
    assert await receive(badge, "counts") == {"type": "counts", "chat": 0, "notifications": 1}
    await badge.disconnect()


# --- API clients ------------------------------------------------------------------------------


async def test_an_api_client_chats_with_its_api_token(conversation, bola):
    _, key = await database_sync_to_async(api_services.issue_token)(user=bola, name="phone app")
    headers = [(b"origin", b"http://127.0.0.1"), (b"authorization", f"Bearer {key}".encode())]
    socket = WebsocketCommunicator(application, chat(conversation), headers=headers)
    assert (await socket.connect())[0]

    assert (await receive(socket, "ready"))["seq"] == 0
    await socket.disconnect()


async def test_a_wrong_or_revoked_token_is_refused(conversation, bola):
    token, key = await database_sync_to_async(api_services.issue_token)(user=bola, name="old phone")
    await database_sync_to_async(api_services.revoke_token)(token=token)

    for bearer in (key, "not-a-token"):
        headers = [(b"origin", b"http://127.0.0.1"), (b"authorization", f"Bearer {bearer}".encode())]
        socket = WebsocketCommunicator(application, chat(conversation), headers=headers)
        await socket.connect()
        assert await closed_with(socket) == CLOSE_UNAUTHENTICATED


async def test_a_token_opens_only_its_own_users_conversations(conversation, dayo):
    _, key = await database_sync_to_async(api_services.issue_token)(user=dayo, name="stranger")
    headers = [(b"origin", b"http://127.0.0.1"), (b"authorization", f"Bearer {key}".encode())]
    socket = WebsocketCommunicator(application, chat(conversation), headers=headers)
    await socket.connect()

    assert await closed_with(socket) == CLOSE_FORBIDDEN


def test_the_chat_runs_on_the_configured_channel_layer():
    """CI's second pass sets REDIS_URL: then every socket test above ran over Redis."""
    name = type(get_channel_layer()).__name__
    assert name == ("RedisPubSubChannelLayer" if os.environ.get("REDIS_URL") else "InMemoryChannelLayer")
