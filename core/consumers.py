"""The shared shape of our sockets: who may connect, what a frame may be, heartbeats, closing.

Streams subclass `LiveConsumer`, say which groups they join and which frame types they answer;
the access decision and every write stay in the apps' access helpers and services.
"""

import asyncio
import contextlib
import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

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


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Authenticated JSON socket with heartbeats, frame checks and a graceful close."""

    handlers: dict[str, str] = {}  # frame type -> method name

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            # The server is shutting down: tell the client to come back, rather than just vanish.
            if getattr(self, "opened", False):
                with contextlib.suppress(Exception):
                    await send({"type": "websocket.close", "code": CLOSE_SERVER_RESTART})
            raise

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
            await self.layer_call(self.channel_layer.group_add, group, self.channel_name)
        self.opened = True
        self.beat = asyncio.create_task(self.heartbeats())
        await self.opening()

    async def disconnect(self, code):
        if not getattr(self, "opened", False):
            return
        self.opened = False
        self.beat.cancel()
        for group in self.joined:
            await self.layer_call(self.channel_layer.group_discard, group, self.channel_name)
        await self.closing()

    async def layer_call(self, method, *args) -> None:
        """The channel layer only speeds delivery: when Redis is away the socket stays up and the
        heartbeat resync delivers from the database instead."""
        try:
            await method(*args)
        except Exception:
            logger.warning("Channel layer call %s failed", getattr(method, "__name__", method), exc_info=True)

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
            try:
                await self.send_json(await self.heartbeat())
            except Exception:  # a broken socket ends here; Daphne reports the disconnect
                logger.debug("Heartbeat failed", exc_info=True)
                return


class PingConsumer(AsyncJsonWebsocketConsumer):
    """Answers "ping" with "pong": lets clients and monitors check the socket path end to end."""

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "code": "unknown_type"})
