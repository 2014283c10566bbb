"""Test plumbing for payments: the sandbox served in-process over a real httpx transport, and a
student paying on the sandbox's hosted checkout page, the way a browser would."""

from urllib.parse import urlsplit

import httpx
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

_handler = None


def in_process_app(environ, start_response):
    """Django's WSGI app, without closing the test's database connection at the end of the request."""
    global _handler
    _handler = _handler or WSGIHandler()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = _handler(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


class InProcessTransport(httpx.WSGITransport):
    """The sandbox marks an injected timeout with a header (it did the work); the client then times out."""

    def __init__(self):
        super().__init__(app=in_process_app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if response.headers.get("X-Sandbox-Fault") == "timeout":
            raise httpx.ReadTimeout("the sandbox timed out on purpose", request=request)
        return response


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start_paying(engagement, client: Client | None = None):
    """The student presses Pay; returns (client, the hosted checkout path)."""
    client = client or Client()
    client.force_login(engagement.student)
    response = client.post(f"/engagements/{engagement.pk}/pay/")
    assert response.status_code == 302, response
    return client, path_of(response["Location"])


def pay_in_sandbox(engagement, *, outcome: str = "pay", webhook: str = "drop", client: Client | None = None):
    """Pay (or fail, cancel, underpay) on the hosted page and come back; returns the page the student sees."""
    client, checkout = start_paying(engagement, client)
    back = client.post(checkout, {"outcome": outcome, "webhook": webhook})
    assert back.status_code == 302, back
    return client.get(path_of(back["Location"]), follow=True)
