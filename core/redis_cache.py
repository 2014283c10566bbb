# mypy: disable-error-code="attr-defined"
# (the stubs omit the private attributes of Django's Redis classes that this module builds on)
"""Django's Redis cache, with one client and one connection pool per process.

Django keeps cache backends in context-local storage, and under ASGI every request runs in a new
context, so each request built its own RedisCache: a new connection pool, a new TCP connection and
redis-py's handshake, then a new `redis.Redis` per call (each builds a table of ~170 reply parsers).
On the feed page that was about a fifth of the server's time. Sharing them is safe: both are
thread-safe, and the pool hands each caller its own connection.

It also rides out Redis being away (a restart, a failover): a read finds nothing and a write is
dropped, with a warning, and Redis is left alone for a few seconds; sessions fall back to the
database and cached pages are rebuilt, instead of every page failing until Redis is back. A TLS
Redis whose certificate is refused counts as away too, logged as an error that names the setting
to change (core/redis_errors.py).
"""

import functools
import logging
import threading
import time
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import cached_property

from core.redis_errors import describe, tls_hint

logger = logging.getLogger(__name__)
_clients: dict[str, "SharedClient"] = {}
_lock = threading.Lock()


# After a failed call the cache leaves Redis alone for this long (answering "nothing cached"), so an
# outage or a refused certificate costs one failed connection (a TLS handshake: ~0.1 s of CPU) and
# one log line per process every few seconds, not one per cache call.
RETRY_SECONDS = 5


def _without_redis(fallback):
    """What a cache call answers while Redis can't be reached: `fallback`, or the caller's default."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            answer = args[-1] if fallback is _DEFAULT else fallback
            if time.monotonic() < self.resting_until:
                return answer
            try:
                return method(self, *args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                self.resting_until = time.monotonic() + RETRY_SECONDS
                # A refused TLS certificate is an error to fix, not an outage to wait out.
                level = logging.ERROR if tls_hint(exc) else logging.WARNING
                logger.log(
                    level,
                    "Cache %s skipped: Redis is unavailable (%s); trying again in %d s.",
                    method.__name__,
                    describe(exc),
                    RETRY_SECONDS,
                )
                return answer

        return call

    return decorate


@receiver(setting_changed)
def _forget_clients(*, setting: str, **kwargs: Any) -> None:
    """New cache settings (tests override them) get new clients, with nothing remembered."""
    if setting == "CACHES":
        with _lock:
            _clients.clear()


_DEFAULT = object()  # get(key, default): answer the caller's default


class SharedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}
        self.resting_until = 0.0  # Redis failed: calls answer "nothing cached" until then

    # Reads find nothing and writes are dropped while Redis is away; incr and clear still raise,
    # as their callers must know (the chat's rate limit has its own fallback).
    get = _without_redis(_DEFAULT)(RedisCacheClient.get)
    get_many = _without_redis({})(RedisCacheClient.get_many)
    has_key = _without_redis(False)(RedisCacheClient.has_key)
    add = _without_redis(False)(RedisCacheClient.add)
    set = _without_redis(None)(RedisCacheClient.set)
    set_many = _without_redis(None)(RedisCacheClient.set_many)
    touch = _without_redis(False)(RedisCacheClient.touch)
    delete = _without_redis(False)(RedisCacheClient.delete)
    delete_many = _without_redis(None)(RedisCacheClient.delete_many)

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._redis_by_pool.get(id(pool))
        if client is None:
            client = self._redis_by_pool.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self) -> SharedClient:
        key = repr((self._servers, sorted(self._options.items())))
        with _lock:
            if key not in _clients:
                _clients[key] = SharedClient(self._servers, **self._options)
            return _clients[key]
