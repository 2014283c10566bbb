"""Sockets for the chat. Thin: access helpers say who may listen, services do the writing, the
database is the record the sockets catch up from."""

import asyncio
from typing import Any
from urllib.parse import parse_qs

from django.core.exceptions import PermissionDenied, ValidationError

from chat import access, services
from chat.models import Conversation, Message
from chat.payloads import error_code, message_payload
from core.consumers import LiveConsumer, db
from core.realtime import conversation_group

BACKLOG_PAGE = 200


def _query_int(scope, name: str) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin1")).get(name)
    try:
        return max(0, int(values[0])) if values else None
    except ValueError:
        return None


class ChatConsumer(LiveConsumer):
    """/ws/chat/<id>/?after=<last seen seq>: the missed messages, then live ones, each exactly once."""

    handlers = {
        "message": "send_message",
        "resume": "resume",
        "read": "read",
        "typing": "typing",
        "ping": "answer_ping",
    }

    async def authorise(self) -> bool:
        pk = self.scope["url_route"]["kwargs"]["pk"]
        self.conversation: Conversation | None = await db(access.conversation_or_none)(self.user, pk)
        if self.conversation is None:
            return False
        self.can_write = access.can_write(self.user, self.conversation)
        return True

    def stream_groups(self) -> list[str]:
        assert self.conversation is not None
        return [conversation_group(self.conversation.pk)]

    async def opening(self) -> None:
        self.sending = asyncio.Lock()  # message frames go out one at a time, in order, once each
        head, marks = await db(self._state)()
        after = _query_int(self.scope, "after")
        self.sent_seq = head if after is None else min(after, head)
        if self.can_write:
            await self.announce_presence(online=True, hello=True)
        await self.send_json({"type": "ready", "seq": head, "read": {str(k): v for k, v in marks.items()}})
        await self.send_backlog()

    async def closing(self) -> None:
        if self.can_write:
            await self.announce_presence(online=False)

    async def heartbeat(self) -> dict[str, Any]:
        # Also a safety net: anything whose broadcast was lost (Redis restarting) is sent now.
        # A one-row read of the head first, so a quiet conversation costs almost nothing.
        if await db(self._head)() > self.sent_seq:
            await self.send_backlog()
        return {"type": "heartbeat", "seq": self.sent_seq}

    def _head(self) -> int:
        assert self.conversation is not None
        return Conversation.objects.values_list("last_seq", flat=True).get(pk=self.conversation.pk)

    def _state(self) -> tuple[int, dict[int, int]]:
        assert self.conversation is not None  # loaded by the access check just now: its head is fresh
        return self.conversation.last_seq, services.read_marks(self.conversation)

    def _missed(self, after: int) -> list[dict[str, Any]]:
        messages = Message.objects.filter(conversation=self.conversation).after(after, BACKLOG_PAGE)
        return [message_payload(message) for message in messages]

    async def send_backlog(self) -> None:
        async with self.sending:
            await self._send_backlog()

    async def _send_backlog(self) -> None:
        while True:
            missed = await db(self._missed)(self.sent_seq)
            for payload in missed:
                await self.send_json({"type": "message", "message": payload})
                self.sent_seq = payload["seq"]
            if len(missed) < BACKLOG_PAGE:
                return

    # --- Frames from the client ----------------------------------------------------------------
    async def resume(self, content) -> None:
        after = content.get("after")
        if not isinstance(after, int) or after < 0:
            await self.send_error("bad_request", "resume needs after: the last sequence number you have.")
            return
        async with self.sending:
            self.sent_seq = after
            await self._send_backlog()

    async def send_message(self, content) -> None:
        client_id = str(content.get("client_id") or "")
        text = content.get("text")
        if not self.can_write:
            await self.send_error("forbidden", services.ONLY_PARTIES, client_id=client_id)
            return
        if not isinstance(text, str):
            await self.send_error("bad_request", "message needs text.", client_id=client_id)
            return
        try:
            message = await db(services.post_message)(
                conversation=self.conversation, by=self.user, text=text, client_id=client_id
            )
        except ValidationError as exc:
            await self.send_error(error_code(exc), " ".join(exc.messages), client_id=client_id)
            return
        except PermissionDenied as exc:
            await self.send_error("forbidden", str(exc), client_id=client_id)
            return
        ack = {"type": "ack", "client_id": client_id, "seq": message.seq, "masked": message.masked}
        if message.masked:
            ack["notice"] = services.mask_notice()
        await self.send_json(ack)

    async def read(self, content) -> None:
        seq = content.get("seq")
        if not isinstance(seq, int) or not self.can_write:
            return
        await db(services.mark_read)(conversation=self.conversation, by=self.user, seq=seq)

    async def typing(self, content) -> None:
        if self.can_write:
            await self.group_event({"type": "chat.typing", "user": self.user.pk, "name": self.user.get_short_name()})

    async def announce_presence(self, *, online: bool, hello: bool = False) -> None:
        event = {"type": "chat.presence", "user": self.user.pk, "online": online, "hello": hello}
        await self.group_event(event)

    async def group_event(self, event: dict[str, Any]) -> None:
        assert self.conversation is not None
        await self.layer_call(self.channel_layer.group_send, conversation_group(self.conversation.pk), event)

    # --- Events from the group -----------------------------------------------------------------
    async def chat_message(self, event) -> None:
        seq = event["message"]["seq"]
        async with self.sending:
            if seq <= self.sent_seq:
                return  # already sent (from the backlog): drop the duplicate
            if seq > self.sent_seq + 1:
                await self._send_backlog()  # a gap: a broadcast was lost; the database has it
                return
            await self.send_json({"type": "message", "message": event["message"]})
            self.sent_seq = seq

    async def chat_read(self, event) -> None:
        await self.send_json({"type": "read", "user": event["user"], "seq": event["seq"]})

    async def chat_typing(self, event) -> None:
        if event["user"] != self.user.pk:
            await self.send_json({"type": "typing", "user": event["user"], "name": event["name"]})

    async def chat_presence(self, event) -> None:
        if event["user"] == self.user.pk:
            return
        await self.send_json({"type": "presence", "user": event["user"], "online": event["online"]})
        if event["hello"] and self.can_write:
            await self.announce_presence(online=True)  # so the newcomer learns we are here too
