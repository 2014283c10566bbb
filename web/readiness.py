"""/readyz: can this process serve users right now? (/healthz only says it is up.)

Checks the database, Redis through the cache and through the channel layer (when REDIS_URL is
set), the file storage (a tiny file written, read back and deleted) and the task queue (how long
the oldest task ready to run has waited for a worker). 200 when every check passes; 503 naming
the ones that failed. Each check runs in a thread of its own and gets READY_TIMEOUT_SECONDS: a
Redis that accepts connections and never answers cannot hang the probe. The answer gives the
kind of failure only; the reason, which may name hosts, goes to the log.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.db.models import Min, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)
PROBE = b"ready"
# Shared by every probe: a check that hangs keeps its thread, and once all are stuck later checks
# wait in the queue, time out and are reported, instead of piling up threads.
checks_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


class NotReady(Exception):
    """A check ran and the answer was wrong (as opposed to an error on the way)."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, PROBE, 30)
    found = cache.get(key)
    cache.delete(key)
    if found != PROBE:  # the Redis cache logs why and carries on without Redis; we must not
        raise NotReady("the cache did not give back what was written")
    return "ok"


def check_channel_layer() -> str:
    async def round_trip():
        layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)  # its own connections, closed with the loop
        channel = await layer.new_channel("readyz.")
        await layer.send(channel, {"type": "readyz.probe"})
        return await layer.receive(channel)

    message = asyncio.run(asyncio.wait_for(round_trip(), settings.READY_TIMEOUT_SECONDS))
    if message.get("type") != "readyz.probe":
        raise NotReady("the channel layer delivered something else")
    return "ok"


def check_storage() -> str:
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(PROBE))
    try:
        with default_storage.open(name) as file:
            if file.read() != PROBE:
                raise NotReady("the storage did not give back what was written")
    finally:
        default_storage.delete(name)
    return "ok"


def check_tasks() -> str:
    lag = task_lag_seconds()
    if lag > settings.READY_TASK_LAG_SECONDS:
        raise NotReady(f"the oldest ready task has waited {lag:.0f} s (limit {settings.READY_TASK_LAG_SECONDS} s)")
    return f"ok, the oldest ready task has waited {lag:.0f} s"


def task_lag_seconds() -> float:
    """How long the task that has waited longest for a worker has waited (0 when none waits).
    A task without run_after waits from when it was enqueued; a delayed one from its run_after."""
    never = get_date_max()
    waiting = DBTaskResult.objects.ready().aggregate(
        queued=Min("enqueued_at", filter=Q(run_after=never)),
        delayed=Min("run_after", filter=~Q(run_after=never)),
    )
    since = [at for at in waiting.values() if at is not None]
    return max(0.0, (timezone.now() - min(since)).total_seconds()) if since else 0.0


def checks() -> dict[str, Callable[[], str]]:
    found = {"database": check_database}
    if settings.REDIS_URL:
        found |= {"cache": check_cache, "channel_layer": check_channel_layer}
    return found | {"storage": check_storage, "tasks": check_tasks}


def in_own_thread(check: Callable[[], str]) -> Callable[[], str]:
    def run() -> str:
        try:
            return check()
        finally:
            connections.close_all()  # hand this thread's database connection back

    return run


@never_cache
def readyz(request):
    timeout = settings.READY_TIMEOUT_SECONDS
    started = time.monotonic()
    futures = {name: checks_pool.submit(in_own_thread(check)) for name, check in checks().items()}
    wait(futures.values(), timeout=timeout)
    results = {}
    for name, future in futures.items():
        if not future.done():
            future.cancel()
            results[name] = failed(name, f"no answer within {timeout:g} s", TimeoutError(f"after {timeout:g} s"))
        elif (error := future.exception()) is not None:
            results[name] = failed(name, short_reason(error), error)
        else:
            results[name] = {"ok": True, "detail": future.result()}
    ready = all(result["ok"] for result in results.values())
    body = {"ready": ready, "checks": results, "seconds": round(time.monotonic() - started, 3)}
    return JsonResponse(body, status=200 if ready else 503)


def failed(name: str, reason: str, error: BaseException) -> dict:
    logger.error("Not ready: %s failed: %s: %s", name, type(error).__name__, error)
    return {"ok": False, "detail": reason}


def short_reason(error: BaseException) -> str:
    """What the public answer may say: our own findings in full, others by kind (no hosts, no keys)."""
    if isinstance(error, NotReady):
        return str(error)
    if isinstance(error, TimeoutError):
        return "timed out"
    return f"{type(error).__name__} (details in the log)"
