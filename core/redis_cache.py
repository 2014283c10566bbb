# mypy: disable-error-code="attr-defined"
# (the stubs omit the private attributes of Django's Redis classes that this module builds on)
"""Django's Redis cache, with one client and one connection pool per process.

Django keeps cache backends in context-local storage, and under ASGI every request runs in a new
context, so each request built its own RedisCache: a new connection pool, a new TCP connection and
redis-py's handshake, then a new `redis.Redis` per call (each builds a table of ~170 reply parsers).
On the feed page that was about a fifth of the server's time. Sharing them is safe: both are
thread-safe, and the pool hands each caller its own connection.

It also rides out Redis being away (a restart, a failover): a read finds nothing and a write is
dropped, with a warning, so sessions fall back to the database and cached pages are rebuilt,
instead of every page failing until Redis is back.
"""

import functools
import logging
import threading
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)
_clients: dict[str, "SharedClient"] = {}
_lock = threading.Lock()


def _without_redis(fallback):
    """What a cache call answers while Redis can't be reached: `fallback`, or the caller's default."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                logger.warning("Cache %s skipped: Redis is unavailable (%s).", method.__name__, exc)
                return args[-1] if fallback is _DEFAULT else fallback

        return call

    return decorate


_DEFAULT = object()  # get(key, default): answer the caller's default


class SharedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}

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
