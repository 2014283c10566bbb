"""The shared shape of our sockets: who may connect, what a frame may be, heartbeats, closing.

Streams subclass `LiveConsumer`, say which groups they join and which frame types they answer;
the access decision and every write stay in the apps' access helpers and services.
"""

import asyncio
import contextlib
import functools
import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from core.realtime import layer_failed, layer_resting
from core.redis_errors import describe

logger = logging.getLogger(__name__)

# Close codes a client can act on (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401  # log in (or send a token) and reconnect
CLOSE_FORBIDDEN = 4403  # not yours: do not reconnect
CLOSE_SERVER_RESTART = 1012  # the server is restarting: reconnect after a short wait

# Sockets' database calls run side by side on a pool of their own (channels' default is one
# shared thread per process, which a reconnect storm queues behind). One pool for the whole
# process, so its threads and their pooled connections are reused, never stranded.
DATABASE_THREADS = ThreadPoolExecutor(max_workers=6, thread_name_prefix="socket-db")

MAX_FRAME_CHARS = 16_000
FRAMES_PER_SECOND = 5  # sustained, per socket
FRAME_BURST = 30


def db(func):
    """`func` made awaitable, run on the sockets' database threads."""
    return database_sync_to_async(func, thread_sensitive=False, executor=DATABASE_THREADS)


class FrameBudget:
    """A token bucket: bursts are fine, a flood gets error frames instead of work."""

    def __init__(self, rate: float = FRAMES_PER_SECOND, burst: int = FRAME_BURST):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


# A socket opened without the channel layer (Redis away, or its TLS refused) closes after this long
# with 1012 (come back), so that its client reconnects to live updates once the layer is back.
DEGRADED_SOCKET_SECONDS = 120


async def open_channel(alias: str) -> tuple[Any, str]:
    """The channel layer and a new channel on it for one socket; (None, "") when the layer is not
    configured or cannot give one now."""
    layer = get_channel_layer(alias)
    if layer is None or layer_resting(layer):
        return None, ""
    try:
        return layer, await layer.new_channel()
    except Exception as exc:
        layer_failed(layer, exc, f"sockets open without it and reconnect within {DEGRADED_SOCKET_SECONDS:g} s")
        return None, ""


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Authenticated JSON socket with heartbeats, frame checks and a graceful close."""

    handlers: dict[str, str] = {}  # frame type -> method name

    async def __call__(self, scope, receive, send):
        try:
            await self.serve(scope, receive, send)
        except asyncio.CancelledError:
            # The server is shutting down: tell the client to come back, rather than just vanish.
            if getattr(self, "opened", False):
                with contextlib.suppress(Exception):
                    await send({"type": "websocket.close", "code": CLOSE_SERVER_RESTART})
            raise

    async def serve(self, scope, receive, send):
        """channels' AsyncConsumer.__call__, except that a channel layer that cannot give this socket
        a channel (Redis away, or its TLS certificate refused) leaves the socket without live pushes
        instead of failing the handshake with a 500: it opens on the database's state, and closes
        after a while so that the client reconnects and finds the layer again."""
        self.scope, self.base_send = scope, send
        self.channel_layer, self.channel_name = await open_channel(self.channel_layer_alias)
        self.live = self.channel_layer is not None
        sources = [receive]
        if self.channel_layer is not None:
            sources.append(functools.partial(self.channel_layer.receive, self.channel_name))
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    async def connect(self):
        self.opened = False
        self.budget = FrameBudget()
        self.user = self.scope.get("user")
        await self.accept()  # accept first, so the close code reaches the client
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await self.authorise():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.joined = self.stream_groups()
        for group in self.joined:
            await self.layer_call("group_add", group, self.channel_name)
        self.opened, self.opened_at = True, time.monotonic()
        self.beat = asyncio.create_task(self.heartbeats())
        await self.opening()

    async def disconnect(self, code):
        if not getattr(self, "opened", False):
            return
        self.opened = False
        self.beat.cancel()
        for group in self.joined:
            await self.layer_call("group_discard", group, self.channel_name)
        await self.closing()

    async def layer_call(self, name: str, *args) -> None:
        """The channel layer only speeds delivery: when Redis is away the socket stays up and the
        heartbeat resync delivers from the database instead."""
        if self.channel_layer is None:
            return
        try:
            await getattr(self.channel_layer, name)(*args)
        except Exception as exc:
            logger.warning("Channel layer call %s failed: %s", name, describe(exc), exc_info=True)

    # --- What streams fill in -------------------------------------------------------------
    async def authorise(self) -> bool:
        raise NotImplementedError

    def stream_groups(self) -> list[str]:
        raise NotImplementedError

    async def opening(self) -> None:
        """After joining the groups: send the first state."""

    async def closing(self) -> None:
        """After leaving the groups."""

    async def heartbeat(self) -> dict[str, Any]:
        return {"type": "heartbeat"}

    # --- Frames ------------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not getattr(self, "opened", False):
            return
        content, problem = self.parse(text_data, bytes_data)
        if problem:
            await self.send_error(problem)
            return
        if not self.budget.take():
            await self.send_error("rate_limited", "Too many frames: slow down.")
            return
        handler = self.handlers.get(str(content.get("type")))
        if handler is None:
            await self.send_error("unknown_type", f"Unknown frame type; expected one of {sorted(self.handlers)}.")
            return
        await getattr(self, handler)(content)

    def parse(self, text_data, bytes_data) -> tuple[dict, str]:
        if text_data is None:
            return {}, "text_only"
        if len(text_data) > MAX_FRAME_CHARS:
            return {}, "too_big"
        try:
            content = json.loads(text_data)
        except ValueError:
            return {}, "malformed"
        return (content, "") if isinstance(content, dict) else ({}, "malformed")

    async def send_error(self, code: str, message: str = "", **extra) -> None:
        await self.send_json({"type": "error", "code": code, "message": message or code.replace("_", " "), **extra})

    async def answer_ping(self, content) -> None:
        await self.send_json({"type": "pong"})

    async def heartbeats(self) -> None:
        while True:
            # Jittered, so thousands of sockets opened together do not all beat in the same instant.
            await asyncio.sleep(settings.WEBSOCKET_HEARTBEAT_SECONDS * random.uniform(0.8, 1.0))  # noqa: S311
            if not self.live and time.monotonic() - self.opened_at >= DEGRADED_SOCKET_SECONDS:
                await self.close(code=CLOSE_SERVER_RESTART)  # come back: the layer may be back too
                return
            try:
                await self.send_json(await self.heartbeat())
            except Exception:  # a broken socket ends here; Daphne reports the disconnect
                logger.debug("Heartbeat failed", exc_info=True)
                return


class PingConsumer(AsyncJsonWebsocketConsumer):
    """Answers "ping" with "pong": lets clients and monitors check the socket path end to end."""

    # An alias with no configuration: no channel layer, which the answer does not need, so Redis
    # being away cannot fail it.
    channel_layer_alias = "none"

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "code": "unknown_type"})
