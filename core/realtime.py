"""Live updates over the channel layer: always after the commit, never instead of the database.

Any app may call these (they import nothing of ours), so the bidding and engagement services can
announce changes without knowing who listens. The database stays the record: a broadcast that
is lost (Redis down, a process restarting) is recovered by the client's resume.
"""

import asyncio
import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core.redis_errors import describe, tls_hint

logger = logging.getLogger(__name__)

# After the channel layer fails it is left alone for this long: sockets open without it and
# broadcasts are skipped (clients catch up from the database) instead of each one waiting on
# Redis again and logging the same failure again.
LAYER_RETRY_SECONDS = 10
_layer_down_until: "weakref.WeakKeyDictionary[Any, float]" = weakref.WeakKeyDictionary()


def layer_resting(layer: Any) -> bool:
    return time.monotonic() < _layer_down_until.get(layer, 0.0)


def layer_failed(layer: Any, exc: Exception, consequence: str) -> None:
    """Rest the layer and say why, once per rest: a refused TLS certificate is an error (a setting to
    change), Redis away a warning (it comes back)."""
    _layer_down_until[layer] = time.monotonic() + LAYER_RETRY_SECONDS
    logger.log(
        logging.ERROR if tls_hint(exc) else logging.WARNING,
        "Channel layer unavailable: %s; live updates are off for %d s, clients catch up from the database. %s",
        consequence,
        LAYER_RETRY_SECONDS,
        describe(exc),
    )


def question_group(question_id: int) -> str:
    """Everyone watching a question's bid board."""
    return f"question-{question_id}-bids"


def conversation_group(conversation_id: int) -> str:
    return f"conversation-{conversation_id}"


def user_group(user_id: int) -> str:
    """Every open socket of one user: the notification badge."""
    return f"user-{user_id}"


def badge_changed(user_id: int) -> tuple[str, dict[str, Any]]:
    """A (group, event) pair telling the user's badges to count again: unread chat messages and
    notifications live in different apps, so the event carries no numbers, only the nudge."""
    return user_group(user_id), {"type": "counts.changed"}


def broadcast_after_commit(group: str, event: dict[str, Any], *more: tuple[str, dict[str, Any]]) -> None:
    """Send `event` to `group` (and any more (group, event) pairs) once the current transaction
    commits, or at once outside one. Pairs given together go out in one hop to the event loop."""
    sends = [(group, event), *more]
    transaction.on_commit(lambda: broadcast_all(sends))


def broadcast(group: str, event: dict[str, Any]) -> None:
    broadcast_all([(group, event)])


def broadcast_all(sends: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None or layer_resting(layer):
        return
    try:
        if _thread_runs_an_event_loop():
            # Sync code on a thread that runs a loop (a sync browser test driving Playwright) can't
            # block on async_to_sync there; a short-lived thread can.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(async_to_sync(_send_all), layer, sends).result()
        else:
            async_to_sync(_send_all)(layer, sends)
    except Exception as exc:  # a broken layer must not undo or fail a committed write
        layer_failed(layer, exc, f"broadcast to {[group for group, _ in sends]} not sent")


def _thread_runs_an_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _send_all(layer, sends: list[tuple[str, dict[str, Any]]]) -> None:
    for group, event in sends:
        await layer.group_send(group, event)
