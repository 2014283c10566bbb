"""The web process: HTTP through Django's WSGI handler and WebSockets through Channels, on one port
(docs/decisions/0012-http-through-the-wsgi-handler.md)."""

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from channels.testing import HttpCommunicator
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from experthive.asgi import application
from experthive.wsgi_bridge import WSGIBridge
from tests.conftest import PDF_BYTES

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"


def web_command() -> str:
    return next(line.split(":", 1)[1].strip() for line in PROCFILE.read_text().splitlines() if line.startswith("web:"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, output: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the web process exited on start:\n{output.read_text()}"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"the web process did not listen on {port} within 60 s:\n{output.read_text()}")


@pytest.fixture
def web_process(tmp_path):
    """The Procfile's web line, run as the platform runs it: a shell with $PORT set."""
    port = free_port()
    output = tmp_path / "web.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),  # no page below reads a table
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    with output.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - the project's own Procfile
            ["/bin/sh", "-c", f"exec {web_command()}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for(port, server, output)
        yield port
    finally:
        server.terminate()
        server.wait(20)


def test_the_procfile_web_process_serves_pages_static_files_and_websockets_on_one_port(web_process):
    base = f"http://127.0.0.1:{web_process}"

    with urllib.request.urlopen(f"{base}/login/", timeout=30) as page:  # noqa: S310 - http on 127.0.0.1
        html = page.read().decode()
        policy = page.headers["Content-Security-Policy"]
    with urllib.request.urlopen(f"{base}/static/css/site.css", timeout=30) as stylesheet:  # noqa: S310
        css_type = stylesheet.headers["Content-Type"]
    with connect(f"ws://127.0.0.1:{web_process}/ws/ping/", origin=Origin(base), open_timeout=30) as websocket:
        websocket.send(json.dumps({"type": "ping"}))
        answer = json.loads(websocket.recv(timeout=30))

    assert 'name="password"' in html
    assert "script-src 'self'" in policy
    assert css_type.startswith("text/css")
    assert answer == {"type": "pong"}


def test_the_web_process_refuses_a_websocket_from_another_site(web_process):
    with pytest.raises(InvalidStatus, match="403"):
        connect(f"ws://127.0.0.1:{web_process}/ws/ping/", origin=Origin("https://evil.example"), open_timeout=30)


def test_the_web_command_is_the_one_bin_serve_runs():
    serve = (ROOT / "bin" / "serve").read_text()
    *_, program, application_path = shlex.split(web_command())

    assert application_path == "experthive.asgi:application"
    assert f"{program} " in serve and application_path in serve


# --- HTTP through the ASGI application, in process ----------------------------------------------------


async def asgi_request(method: str, path: str, body: bytes = b"", headers=(), app=application):
    communicator = HttpCommunicator(app, method, path, body=body, headers=[(b"host", b"testserver"), *headers])
    response = await communicator.get_response(timeout=30)
    return response["status"], dict(response["headers"]), response["body"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # a pool thread may hold a connection from an earlier request
async def test_a_page_through_the_asgi_application_keeps_its_security_headers():
    status, headers, body = await asgi_request("GET", "/login/")

    assert status == 200
    assert b'name="password"' in body
    assert b"script-src 'self'" in headers[b"content-security-policy"]
    assert headers[b"x-frame-options"] == b"DENY"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_posted_body_reaches_the_view_through_the_asgi_application():
    credentials = json.dumps({"email": "nobody@example.com", "password": "wrong", "name": "phone"}).encode()

    status, _, body = await asgi_request(
        "POST", "/api/v1/auth/token", credentials, [(b"content-type", b"application/json")]
    )

    assert status == 401
    assert json.loads(body)["error"]["code"] == "wrong_credentials"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_behind_the_proxy_a_forwarded_https_request_is_secure(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind_proxy = WSGIBridge(WSGIHandler(), threads=1)  # middleware reads these settings when built

    plain, plain_headers, _ = await asgi_request("GET", "/login/", app=behind_proxy)
    forwarded, _, _ = await asgi_request("GET", "/login/", headers=[(b"x-forwarded-proto", b"https")], app=behind_proxy)

    assert plain == 301
    assert plain_headers[b"location"] == b"https://testserver/login/"
    assert forwarded == 200


@pytest.fixture
def ada_session(ada) -> bytes:
    client = Client()
    client.force_login(ada)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_attachment_downloads_whole_through_the_asgi_application(question, ada_session):
    attachment = await question.attachments.afirst()

    status, headers, body = await asgi_request(
        "GET", f"/attachments/{attachment.pk}/", headers=[(b"cookie", ada_session)]
    )

    assert status == 200
    assert body == PDF_BYTES
    assert headers[b"content-disposition"] == b'attachment; filename="worksheet.pdf"'
