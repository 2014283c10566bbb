"""Redis over TLS, as Heroku serves it: a rediss:// URL and a self-signed certificate.

With REDIS_TLS_VERIFY=0 (or a CA file that trusts the certificate) the cache, the sessions, the
chat's rate limit and the sockets' channel layer all run through it. With verification on and
nothing to trust the certificate by, it is refused: the log says which setting fixes it, and the
pages and the sockets keep working without Redis.

Each test builds the Redis part of the settings with the functions settings.py itself uses.
"""

import uuid

import pytest
import redis
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.urls import reverse

from chat import limits
from chat import services as chat_services
from core.consumers import CLOSE_SERVER_RESTART
from experthive import settings as project_settings
from tests.test_chat_sockets import chat, open_socket, post, receive
from tests.test_feed import ask, titles

UNTRUSTED = "set REDIS_TLS_VERIFY=0 to accept it, or REDIS_TLS_CA_FILE to the certificate that signed it"


def raw_client(tls_redis) -> redis.Redis:
    """What the test reads Redis with, to see where things landed."""
    return redis.Redis.from_url(tls_redis.url(), ssl_cert_reqs="none")


@pytest.fixture
def over_tls(settings, tls_redis):
    """Cache, sessions and channel layer on the TLS Redis, configured as settings.py does from
    REDIS_URL (each test sets REDIS_TLS_VERIFY / REDIS_TLS_CA_FILE first)."""

    def configure():
        raw_client(tls_redis).flushdb()  # one server per test process: start each test empty
        url = tls_redis.url()
        settings.CACHES = project_settings.redis_caches(url)
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
        layers = project_settings.redis_channel_layers(url)
        layers["default"]["CONFIG"]["prefix"] = f"tls-{uuid.uuid4().hex[:8]}"  # pub/sub is server-wide
        settings.CHANNEL_LAYERS = layers

    return configure


@pytest.fixture
def accept_self_signed(monkeypatch, over_tls):
    """Heroku Redis: REDIS_TLS_VERIFY=0."""
    monkeypatch.setenv("REDIS_TLS_VERIFY", "0")
    over_tls()


@pytest.fixture
def trust_nothing(monkeypatch, over_tls):
    """The default: verify the certificate, with no CA file that trusts this self-signed one."""
    monkeypatch.delenv("REDIS_TLS_VERIFY", raising=False)
    monkeypatch.delenv("REDIS_TLS_CA_FILE", raising=False)
    over_tls()


@pytest.fixture
def layer_never_rests(monkeypatch):
    """Every use of the layer tries it (and logs its failure), so a socket meets the refusal itself."""
    monkeypatch.setattr("core.realtime.LAYER_RETRY_SECONDS", 0)


@pytest.fixture
def conversation(bola_bid, ada):
    return chat_services.open_conversation(bid=bola_bid, by=ada)


async def close_code(communicator) -> int:
    """How the socket ends, after whatever frames (heartbeats) come first."""
    while (output := await communicator.receive_output(timeout=5))["type"] != "websocket.close":
        pass
    return output["code"]


# --- Verification off (Heroku) -------------------------------------------------------


def test_the_cache_round_trips_over_tls_with_verification_off(accept_self_signed, tls_redis):
    cache.set("tls-check", {"n": 1}, 30)

    assert cache.get("tls-check") == {"n": 1}
    assert any(b"tls-check" in key for key in raw_client(tls_redis).scan_iter())


def test_a_ca_file_trusts_the_self_signed_certificate_with_verification_on(monkeypatch, over_tls, tls_redis):
    monkeypatch.delenv("REDIS_TLS_VERIFY", raising=False)
    monkeypatch.setenv("REDIS_TLS_CA_FILE", str(tls_redis.certificate))
    over_tls()

    cache.set("tls-check", "trusted", 30)

    assert cache.get("tls-check") == "trusted"


@pytest.mark.django_db
def test_sessions_and_the_feed_cache_live_in_the_tls_redis(
    accept_self_signed, tls_redis, client, bola, ada, maths, sss3
):
    ask(ada, maths, sss3, "Asked with Redis over TLS")
    client.force_login(bola)

    page = client.get(reverse("question_feed"))

    assert titles(page) == ["Asked with Redis over TLS"]
    assert "Log out" in page.text
    keys = b" ".join(raw_client(tls_redis).keys())
    assert client.session.session_key.encode() in keys


def test_the_chat_rate_limit_counts_in_the_tls_redis(accept_self_signed, settings):
    settings.CHAT_RATE_LIMIT = 2

    allowed = [limits.allow_message(4242) for _ in range(3)]

    assert allowed == [True, True, False]


@pytest.mark.django_db(transaction=True)
async def test_a_chat_message_crosses_the_tls_channel_layer(accept_self_signed, conversation, ada, bola, settings):
    settings.WEBSOCKET_HEARTBEAT_SECONDS = 600  # so what arrives came through the layer, not a resync
    student = await open_socket(chat(conversation), ada)
    tutor = await open_socket(chat(conversation), bola)

    await student.send_json_to({"type": "message", "client_id": "ada-00000001", "text": "Over TLS?"})
    received = await receive(tutor, "message", timeout=5)

    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"
    assert received["message"]["html"] == "<p>Over TLS?</p>"
    await student.disconnect()
    await tutor.disconnect()


# --- Verification on, certificate self-signed: refused, degraded, logged -------------------


@pytest.mark.django_db
def test_a_refused_certificate_leaves_pages_working_and_says_which_setting_fixes_it(
    trust_nothing, client, bola, ada, maths, sss3, caplog
):
    ask(ada, maths, sss3, "Asked while the certificate is refused")
    client.force_login(bola)

    page = client.get(reverse("question_feed"))

    assert titles(page) == ["Asked while the certificate is refused"]
    assert "Log out" in page.text  # the session came from the database
    logged = caplog.get_records("setup") + caplog.records
    refusals = [r for r in logged if r.levelname == "ERROR" and "CERTIFICATE_VERIFY_FAILED" in r.getMessage()]
    assert refusals
    assert UNTRUSTED in refusals[0].getMessage()


def test_a_refused_certificate_does_not_stop_the_chat_rate_limit_from_answering(trust_nothing, settings):
    settings.CHAT_RATE_LIMIT = 1

    assert [limits.allow_message(4243) for _ in range(3)] == [True, True, True]  # no cap until Redis is back


@pytest.mark.django_db(transaction=True)
async def test_a_refused_certificate_opens_sockets_on_the_database_and_logs_it_once(
    trust_nothing, conversation, ada, bola, settings, caplog
):
    settings.WEBSOCKET_HEARTBEAT_SECONDS = 0.3

    student = await open_socket(chat(conversation), ada)  # the handshake is accepted: no 500
    await post(conversation=conversation, by=bola, text="Sent while Redis refuses us.", client_id="bola-0000001")
    caught_up = await receive(student, "message", timeout=3)  # from the database, at the next heartbeat
    await student.send_json_to({"type": "message", "client_id": "ada-00000001", "text": "Still here."})
    ack = await receive(student, "ack")
    tutor = await open_socket(chat(conversation) + "?after=0", bola)
    tutor_sees = [(await receive(tutor, "message", timeout=3))["message"]["html"] for _ in range(2)]

    assert caught_up["message"]["html"] == "<p>Sent while Redis refuses us.</p>"
    assert ack["seq"] == 2  # saved: the database is the record
    assert tutor_sees == ["<p>Sent while Redis refuses us.</p>", "<p>Still here.</p>"]
    # Opening the conversation, two sockets, two broadcasts: one line, as the layer rests after a failure.
    layer_errors = [r for r in caplog.get_records("setup") + caplog.records if "Channel layer" in r.getMessage()]
    assert len(layer_errors) == 1
    assert layer_errors[0].levelname == "ERROR"
    assert UNTRUSTED in layer_errors[0].getMessage()
    await student.disconnect()
    await tutor.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_opened_without_the_layer_says_so_and_asks_its_client_to_reconnect(
    layer_never_rests, trust_nothing, conversation, ada, settings, monkeypatch, caplog
):
    settings.WEBSOCKET_HEARTBEAT_SECONDS = 0.2
    monkeypatch.setattr("core.consumers.DEGRADED_SOCKET_SECONDS", 0.3)

    student = await open_socket(chat(conversation), ada)

    assert await close_code(student) == CLOSE_SERVER_RESTART  # the client's LiveSocket comes back
    said = [r.getMessage() for r in caplog.records if "Channel layer unavailable" in r.getMessage()]
    assert "sockets open without it and reconnect within 0.3 s" in said[0]
    assert UNTRUSTED in said[0]
