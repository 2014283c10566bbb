"""Errors reach Sentry when SENTRY_DSN is set, and the SDK is not even imported when it is not.
Sentry is played by a small HTTP server on this machine: nothing leaves it."""

import gzip
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings


class FakeSentry(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append((self.path, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_sentry():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSentry)
    server.received = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def run_site(script: str, tmp_path, **env) -> subprocess.CompletedProcess:
    """Run `script` in a fresh process with the site's settings and only the given SENTRY_* values."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_") and k != "DATABASE_URL"}
    return subprocess.run(  # noqa: S603 (the scripts are this file's own)
        [sys.executable, "-c", script],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "experthive.settings",
            "DEBUG": "1",
            "ALLOWED_HOSTS": "testserver",
            "SQLITE_PATH": str(tmp_path / "site.sqlite3"),
            "PYTHONPATH": str(settings.BASE_DIR),
            **env,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_a_dsn_the_sentry_sdk_is_never_imported(tmp_path):
    script = (
        "import sys, django; django.setup(); import experthive.urls, experthive.asgi;print('sentry_sdk' in sys.modules)"
    )
    result = run_site(script, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


UNHANDLED_ERROR_IN_A_VIEW = """
import django
django.setup()
import sentry_sdk
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="tests.broken_urls"):
    response = Client(raise_request_exception=False).get("/boom/", headers={"X-Request-ID": "router-id-0003"})
print(response.status_code)
sentry_sdk.flush(timeout=10)
"""


def test_an_unhandled_error_in_a_view_is_sent_to_sentry(tmp_path, fake_sentry):
    dsn = f"http://public-key@127.0.0.1:{fake_sentry.server_port}/42"

    result = run_site(UNHANDLED_ERROR_IN_A_VIEW, tmp_path, SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="rehearsal")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"  # the user got the error page
    events = [body for path, body in fake_sentry.received if path == "/api/42/envelope/"]
    assert len(events) == 1
    event = events[0].decode()
    assert "deliberate failure for the 500 page test" in event
    assert '"django"' in event  # reported through the Django integration
    assert '"rehearsal"' in event
    assert '"request_id":"router-id-0003"' in event.replace(" ", "")
