"""A per-user cap on messages, shared by every process through the cache (Redis in production)."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(user_id: int) -> str:
    window = int(time.time() // settings.CHAT_RATE_WINDOW_SECONDS)
    return f"chat-rate:{user_id}:{window}"


def allow_message(user_id: int) -> bool:
    """Count one message; False once the user is over the limit for this window."""
    try:
        return _count(_key(user_id)) <= settings.CHAT_RATE_LIMIT
    except Exception:  # the cache (Redis) is down: chat goes on, the cap waits for it to return
        logger.warning("Chat rate limit skipped: the cache is unavailable.", exc_info=True)
        return True


def _count(key: str) -> int:
    ttl = settings.CHAT_RATE_WINDOW_SECONDS * 2
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if get_client is not None:  # Redis: count and expire in one round trip
        full_key = cache.make_and_validate_key(key)
        count, _ = get_client(full_key, write=True).pipeline().incr(full_key).expire(full_key, ttl).execute()
        return int(count)
    cache.add(key, 0, timeout=ttl)
    return cache.incr(key)


def reset(user_id: int) -> None:
    cache.delete(_key(user_id))
