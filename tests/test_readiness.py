"""/readyz answers the question a load balancer or an operator asks before sending users: can this
process serve them now? Every part it needs is checked, a dead or silent one is named within
seconds (never a hang), and the answer gives away no host or secret; the reason is in the log."""

import os
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from web.readiness import task_lag_seconds

pytestmark = pytest.mark.django_db


def readyz(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_a_healthy_site_is_ready(client):
    status, body = readyz(client)

    assert status == 200
    assert body["ready"] is True
    expected = {"database", "storage", "tasks"} | ({"cache", "channel_layer"} if os.environ.get("REDIS_URL") else set())
    assert set(body["checks"]) == expected
    assert all(check["ok"] for check in body["checks"].values())


def test_liveness_stays_cheap_and_says_ok(client):
    assert client.get("/healthz").text == "ok"


def test_broken_file_storage_makes_the_site_not_ready(client, settings, tmp_path, caplog):
    settings.MEDIA_ROOT = tmp_path / "a-file-not-a-folder"
    settings.MEDIA_ROOT.write_text("")

    status, body = readyz(client)

    assert status == 503
    assert body["ready"] is False
    assert body["checks"]["storage"] == {"ok": False, "detail": "NotADirectoryError (details in the log)"}
    assert body["checks"]["database"]["ok"] is True
    assert "Not ready: storage failed: NotADirectoryError" in caplog.text


def add_task(*, waiting: timedelta, run_after=None) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="notifications.tasks.deliver_message_task",
        backend_name="default",
        run_after=run_after or get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waiting)
    return task


def test_the_task_lag_is_how_long_the_oldest_ready_task_has_waited():
    assert task_lag_seconds() == 0.0
    add_task(waiting=timedelta(seconds=40))
    add_task(waiting=timedelta(seconds=90))
    add_task(waiting=timedelta(hours=2), run_after=timezone.now() + timedelta(minutes=5))  # not ready yet
    add_task(waiting=timedelta(hours=3), run_after=timezone.now() - timedelta(seconds=60))  # ready a minute ago

    assert 90 <= task_lag_seconds() < 100


def test_finished_tasks_are_no_lag():
    old = add_task(waiting=timedelta(hours=1))
    DBTaskResult.objects.filter(pk=old.pk).update(status="SUCCESSFUL")

    assert task_lag_seconds() == 0.0


@pytest.mark.django_db(transaction=True)
def test_a_task_queue_that_falls_behind_makes_the_site_not_ready(client, settings):
    settings.READY_TASK_LAG_SECONDS = 300
    add_task(waiting=timedelta(minutes=10))

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["tasks"] == {
        "ok": False,
        "detail": "the oldest ready task has waited 600 s (limit 300 s)",
    }


# --- Redis away, silent, or spoken to in the wrong language ---------------------------------------


def use_redis(settings, url: str) -> None:
    settings.REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": url}}
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [url]}}
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeRedis:
    """A TCP server on a random port that accepts connections and then either never says a word
    (a hung Redis, a firewall eating packets) or answers in plain text (TLS asked of a non-TLS port)."""

    def __init__(self, answer: bytes | None):
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(conn)
            if self.answer is not None:
                conn.sendall(self.answer)
                conn.close()

    def close(self):
        self.server.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent_redis():
    server = FakeRedis(answer=None)
    yield server
    server.close()  # the probe's abandoned threads get their error and finish


@pytest.fixture
def plain_text_redis():
    server = FakeRedis(answer=b"-ERR this is not TLS\r\n")
    yield server
    server.close()


def test_a_stopped_redis_is_reported_by_the_cache_and_the_channel_layer(client, settings, caplog):
    use_redis(settings, f"redis://127.0.0.1:{free_port()}/0")

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["cache"] == {"ok": False, "detail": "the cache did not give back what was written"}
    assert body["checks"]["channel_layer"] == {"ok": False, "detail": "ConnectionError (details in the log)"}
    assert body["checks"]["database"]["ok"] is True
    assert "Not ready: channel_layer failed: ConnectionError" in caplog.text
    assert "Redis is unavailable" in caplog.text  # the cache's own warning names the cause


def test_a_redis_that_never_answers_cannot_hang_the_probe(client, settings, silent_redis):
    settings.READY_TIMEOUT_SECONDS = 0.5
    use_redis(settings, f"redis://127.0.0.1:{silent_redis.port}/0")

    started = time.monotonic()
    status, body = readyz(client)

    assert time.monotonic() - started < 3
    assert status == 503
    assert body["checks"]["cache"] == {"ok": False, "detail": "no answer within 0.5 s"}
    assert body["checks"]["channel_layer"]["ok"] is False


def test_a_tls_misconfiguration_is_reported_and_logged(client, settings, plain_text_redis, caplog):
    use_redis(settings, f"rediss://:s3cret-redis-password@127.0.0.1:{plain_text_redis.port}/0")

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["channel_layer"] == {"ok": False, "detail": "ConnectionError (details in the log)"}
    assert "SSL" in caplog.text  # the log says what went wrong...
    assert "s3cret-redis-password" not in str(body)  # ...the answer gives nothing away
    assert "127.0.0.1" not in str(body)
