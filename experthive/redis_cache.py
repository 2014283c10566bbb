# mypy: disable-error-code="attr-defined"
# (the stubs omit the private attributes of Django's Redis classes that this module builds on)
"""Django's Redis cache, with one client and one connection pool per process.

Django keeps cache backends in context-local storage, and under ASGI every request runs in a new
context, so each request built its own RedisCache: a new connection pool, a new TCP connection and
redis-py's handshake, then a new `redis.Redis` per call (each builds a table of ~170 reply parsers).
On the feed page that was about a fifth of the server's time. Sharing them is safe: both are
thread-safe, and the pool hands each caller its own connection.
"""

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[str, "SharedClient"] = {}
_lock = threading.Lock()


class SharedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}

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
