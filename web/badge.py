"""The navigation badge: unread notifications and chat messages, on every page and live over
/ws/notifications/. It counts across two apps, so it lives here in the interface tier."""

from functools import cache
from typing import Any

from django.utils.functional import SimpleLazyObject

from chat.services import unread_counts
from core.consumers import LiveConsumer, db
from core.realtime import user_group


def badges(request):
    """The navigation's unread counts (notifications, chat messages, both for the phone's menu
    button), read in one query and only when a page shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = cache(lambda: unread_counts(user))
    return {
        "unread_notifications": SimpleLazyObject(lambda: counts()["notifications"]),
        "chat_unread": SimpleLazyObject(lambda: counts()["chat"]),
        "unread_total": SimpleLazyObject(lambda: counts()["notifications"] + counts()["chat"]),
    }


class BadgeConsumer(LiveConsumer):
    """/ws/notifications/: the counts behind the navigation badges (unread chat messages and
    notifications), read from the database whenever a service says they changed."""

    handlers = {"ping": "answer_ping"}

    async def authorise(self) -> bool:
        return True  # any logged-in user has a badge

    def stream_groups(self) -> list[str]:
        return [user_group(self.user.pk)]

    async def opening(self) -> None:
        await self.send_counts()

    async def heartbeat(self) -> dict[str, Any]:
        return {"type": "heartbeat"}

    async def send_counts(self) -> None:
        counts = await db(unread_counts)(self.user)
        await self.send_json({"type": "counts", **counts})

    async def counts_changed(self, event) -> None:
        await self.send_counts()
