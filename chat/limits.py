"""A per-user cap on messages, shared by every process through the cache (Redis in production)."""

import time

from django.conf import settings
from django.core.cache import cache


def _key(user_id: int) -> str:
    window = int(time.time() // settings.CHAT_RATE_WINDOW_SECONDS)
    return f"chat-rate:{user_id}:{window}"


def allow_message(user_id: int) -> bool:
    """Count one message; False once the user is over the limit for this window."""
    key = _key(user_id)
    cache.add(key, 0, timeout=settings.CHAT_RATE_WINDOW_SECONDS * 2)
    try:
        return cache.incr(key) <= settings.CHAT_RATE_LIMIT
    except ValueError:  # the key expired between add and incr: a fresh window
        return True


def reset(user_id: int) -> None:
    cache.delete(_key(user_id))
