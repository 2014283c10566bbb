"""The feed's list of open questions, rendered once and shared by every tutor for a few seconds.

The list part of the feed page depends only on the filters in the URL, not on who asks, so it is
cached per query string. Any change to a question (posted, edited, bid on, taken, closed) moves the
feed to a new generation, and entries of an older generation are rebuilt on their next read; the
timeout only bounds what the clock changes ("due in 3 h", a deadline passing).
"""

import hashlib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "feed:generation"


def feed_changed() -> None:
    """A question row changed: cached feed pages are stale.

    Moved on at once, so the writer's own next page is fresh, and again after commit, so a page
    rebuilt by another request from the not-yet-committed state does not outlive the commit.
    """
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def cached_html(query_string: str, build: Callable[[], str]) -> str:
    """The HTML for this query string from the cache if it is of the current generation, else
    built, stored and returned. One cache round trip on a hit."""
    key = "feed:page:" + hashlib.sha256(query_string.encode()).hexdigest()
    entries = cache.get_many([GENERATION_KEY, key])
    generation = entries.get(GENERATION_KEY)
    stored = entries.get(key)
    if stored is not None and stored[0] == generation:
        return stored[1]
    html = build()
    if settings.FEED_CACHE_SECONDS:
        cache.set(key, (generation, html), timeout=settings.FEED_CACHE_SECONDS)
    return html
