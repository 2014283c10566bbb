"""Live updates over the channel layer: always after the commit, never instead of the database.

Any app may call these (they import nothing of ours), so the bidding and engagement services can
announce changes without knowing who listens. The database stays the record: a broadcast that
is lost (Redis down, a process restarting) is recovered by the client's resume.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


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
    if layer is None:
        return
    try:
        async_to_sync(_send_all)(layer, sends)
    except Exception:  # a broken layer must not undo or fail a committed write
        logger.warning("Broadcast to %s failed; clients catch up on resume.", [g for g, _ in sends], exc_info=True)


async def _send_all(layer, sends: list[tuple[str, dict[str, Any]]]) -> None:
    for group, event in sends:
        await layer.group_send(group, event)
