"""SMS backends, chosen by the SMS_BACKEND setting the way EMAIL_BACKEND chooses a mailer.

Each backend sends one text to one E.164 number and returns the provider's message id, or
raises SmsError saying whether trying again later could help.
"""

from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    idempotency_key: str


class SmsError(Exception):
    def __init__(self, reason: str, *, retryable: bool, opted_out: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.opted_out = opted_out  # the number said STOP at the provider


class BaseSmsBackend:
    name = "base"
    timeout = httpx.Timeout(10.0, connect=5.0)

    def __init__(self, *, transport: httpx.BaseTransport | None = None):
        # Tests pass an httpx.MockTransport that answers like the provider.
        self.transport = transport

    def send(self, message: SmsMessage) -> str:
        raise NotImplementedError

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(transport=self.transport, timeout=self.timeout, **kwargs)

    def post(self, url: str, **kwargs) -> httpx.Response:
        """POST, turning network trouble into a retryable SmsError."""
        try:
            with self.client() as client:
                return client.post(url, **kwargs)
        except httpx.TransportError as exc:
            raise SmsError(f"{self.name}: network error ({type(exc).__name__})", retryable=True) from exc


def http_error(name: str, response: httpx.Response, detail: str, **flags) -> SmsError:
    """Too many requests and server errors may pass; other refusals will not."""
    retryable = response.status_code in (408, 429) or response.status_code >= 500
    return SmsError(f"{name}: HTTP {response.status_code}: {detail}"[:500], retryable=retryable, **flags)


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


# The locmem backend's outbox (tests read it; the test set-up empties it).
outbox: list[SmsMessage] = []
