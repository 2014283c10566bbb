"""SMS backends, chosen by the SMS_BACKEND setting the way EMAIL_BACKEND chooses a mailer.

Each backend sends one text to one E.164 number and returns the provider's message id, or
raises SmsError saying whether trying again later could help. A provider's backend also reads
what the provider posts back to us: it checks the callback is genuine, then turns delivery
reports and texts from users into Report and Inbound.
"""

from dataclasses import dataclass

import httpx
from django.conf import settings
from django.http import HttpRequest
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


@dataclass(frozen=True)
class Report:
    """A provider's last word on a text it accepted: it reached the handset, or never will (and why)."""

    message_id: str
    delivered: bool
    reason: str = ""
    opted_out: str = ""  # the number, when the provider says it replied STOP


@dataclass(frozen=True)
class Inbound:
    """A text a user sent to us."""

    phone: str
    text: str


class MalformedCallback(ValueError):
    """A genuine callback we cannot read: refused, nothing written."""


class BaseSmsBackend:
    name = "base"
    timeout = httpx.Timeout(10.0, connect=5.0)

    def __init__(self, *, transport: httpx.BaseTransport | None = None):
        # Tests pass an httpx.MockTransport that answers like the provider.
        self.transport = transport

    def send(self, message: SmsMessage) -> str:
        raise NotImplementedError

    # --- callbacks: what the provider posts back to us ---

    def authentic(self, request: HttpRequest, *, token: str = "") -> bool:
        """Whether a callback comes from the provider (its signature, or the secret `token` from our URL)."""
        return False  # a backend that takes no callbacks believes none

    def parse_report(self, request: HttpRequest) -> list[Report]:
        """The final delivery reports in a callback; on the way statuses ("sent", "queued") give none."""
        raise MalformedCallback(f"{self.name} sends no delivery reports.")

    def parse_inbound(self, request: HttpRequest) -> Inbound:
        raise MalformedCallback(f"{self.name} forwards no texts.")

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
