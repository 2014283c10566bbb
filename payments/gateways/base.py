"""What every payment gateway adapter offers, in our terms: integer minor units and our references."""

import hmac
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.utils import timezone

log = logging.getLogger("payments.gateways")

# Tests (and the sandbox run in-process) put a transport here so the real adapter code runs offline.
TRANSPORT: httpx.BaseTransport | None = None

# Lists are read page by page; a payment has a handful of refunds, so this only bounds a runaway answer.
MAX_PAGES = 20

# When a person is waiting on the answer (the payment return page): the moment every call must be done by.
_deadline: ContextVar[float | None] = ContextVar("gateway_deadline", default=None)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Gateway calls made in this block share `seconds` in all, instead of PAYMENT_HTTP_TIMEOUT each."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def http_timeout() -> httpx.Timeout:
    """PAYMENT_HTTP_TIMEOUT, or inside answer_within() what is left of its time. httpx times each phase
    on its own (connect, send, wait for the answer), so the time left is shared out among them."""
    deadline = _deadline.get()
    if deadline is None:
        return httpx.Timeout(settings.PAYMENT_HTTP_TIMEOUT)
    left = min(deadline - time.monotonic(), settings.PAYMENT_HTTP_TIMEOUT)
    if left <= 0:
        raise httpx.TimeoutException("no time left to ask the gateway")
    return httpx.Timeout(left * 0.6, connect=left * 0.2, write=left * 0.1, pool=left * 0.1)


def list_until() -> date:
    """The `to` date of a list query: tomorrow, so everything made today is in it whatever the time zone."""
    return timezone.now().date() + timedelta(days=1)


class GatewayError(Exception):
    """The gateway could not be reached or refused the call; `retryable` when trying again may work,
    `answered` when it did answer (so the request is no longer on its way, whatever became of it)."""

    def __init__(self, message: str, *, retryable: bool = False, answered: bool = True):
        super().__init__(message)
        self.retryable = retryable
        self.answered = answered


class ForgedWebhook(Exception):
    """A webhook whose signature does not check out: refused, nothing written."""


class MalformedWebhook(Exception):
    """A signed webhook whose body isn't an event we can read: answered 400 and kept for inspection."""


def same(given: str, expected: str) -> bool:
    """A constant-time comparison that also takes a header of any characters (str comparison refuses
    non-ASCII with a TypeError, which would be a 500)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def read_event(body: bytes, gateway: str, **json_options) -> tuple[str, dict]:
    """The event's name and its data object, or MalformedWebhook saying what is wrong."""
    try:
        event = json.loads(body, **json_options)
    except ValueError:
        raise MalformedWebhook(f"The body is not JSON; {gateway} sends a JSON object.") from None
    if not isinstance(event, dict):
        raise MalformedWebhook(f"The body is a JSON {type(event).__name__}, not an object.")
    name, data = event.get("event"), event.get("data")
    if not isinstance(name, str) or not name:
        raise MalformedWebhook('"event" is missing or not a string.')
    if not isinstance(data, dict):
        raise MalformedWebhook('"data" is missing or not an object.')
    return name, data


def text(value: Any) -> str:
    """A field that should be a string or a number; anything else reads as absent."""
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


@dataclass(frozen=True)
class Verification:
    reference: str
    gateway_id: str
    status: str  # succeeded | failed | pending | cancelled | unknown
    amount: int
    currency: str
    fee: int = 0
    message: str = ""


@dataclass(frozen=True)
class TransferResult:
    reference: str
    gateway_id: str
    status: str  # pending | succeeded | failed | reversed
    message: str = ""
    amount: int = 0
    currency: str = ""
    fee: int = 0


@dataclass(frozen=True)
class Charge:
    """One transaction as the gateway's transaction list shows it."""

    reference: str  # our tx_ref / reference
    gateway_id: str
    status: str  # succeeded | failed | pending | cancelled
    amount: int  # what the customer actually paid, minor units
    currency: str
    fee: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class Chargeback:
    gateway_id: str
    reference: str  # our payment reference (the charge's tx_ref)
    amount: int
    currency: str
    status: str  # open | won | lost
    created_at: datetime | None = None


@dataclass(frozen=True)
class RefundResult:
    gateway_id: str
    status: str  # pending | succeeded | failed
    message: str = ""
    amount: int = 0  # minor units; filled where the gateway's answer says it (lists of refunds)
    currency: str = ""
    reference: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Bank:
    code: str
    name: str


@dataclass(frozen=True)
class Notice:
    """What a verified webhook tells us: which object to re-check with the gateway."""

    dedupe_key: str
    event_type: str
    kind: str  # charge | transfer | refund | other
    reference: str
    gateway_id: str = ""
    raw: dict = field(default_factory=dict)


class Gateway(Protocol):
    name: str

    def checkout(
        self, *, reference: str, amount: int, currency: str, email: str, name: str, redirect_url: str, title: str
    ) -> str: ...

    def verify(self, *, reference: str, gateway_id: str = "") -> Verification: ...

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> Notice: ...

    def refund(self, *, reference: str, gateway_id: str, amount: int, currency: str) -> RefundResult: ...

    def refund_status(self, *, gateway_id: str) -> RefundResult: ...

    def list_refunds(self, *, reference: str, gateway_id: str, currency: str, since: date) -> list[RefundResult]:
        """Every refund the gateway holds for one payment (any status), made on or after `since`."""
        ...

    def list_banks(self, *, country: str, currency: str) -> list[Bank]: ...

    def resolve_account(self, *, bank_code: str, account_number: str) -> str: ...

    def create_recipient(self, *, bank_code: str, account_number: str, account_name: str, currency: str) -> str: ...

    def transfer(
        self,
        *,
        reference: str,
        amount: int,
        currency: str,
        bank_code: str,
        account_number: str,
        recipient_code: str,
        narration: str,
    ) -> TransferResult: ...

    def transfer_status(self, *, reference: str, gateway_id: str = "") -> TransferResult: ...

    # The gateway's own records made between two dates, every page, streamed.
    def list_charges(self, *, since: date, until: date) -> Iterator[Charge]: ...

    def list_all_refunds(self, *, since: date, until: date) -> Iterator[RefundResult]: ...

    def list_transfers(self, *, since: date, until: date) -> Iterator[TransferResult]: ...

    def list_chargebacks(self, *, since: date, until: date) -> Iterator[Chargeback]: ...


class HttpApi:
    """JSON over httpx with a timeout; errors become GatewayError; the secret never reaches a log."""

    def __init__(self, *, base_url: str, secret_key: str, name: str):
        self.base_url = base_url.rstrip("/")
        self.secret_key = secret_key
        self.name = name

    def request(self, method: str, path: str, *, body: dict | None = None, params: dict | None = None) -> Any:
        url = f"{self.base_url}{path}"
        content = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.secret_key}", "Content-Type": "application/json"}
        try:
            with httpx.Client(timeout=http_timeout(), transport=TRANSPORT) as client:
                response = client.request(method, url, content=content, params=params, headers=headers)
        except httpx.TimeoutException:
            log.warning("%s %s %s timed out", self.name, method, path)
            raise GatewayError(f"{self.name} did not answer in time.", retryable=True, answered=False) from None
        except httpx.HTTPError as exc:
            log.warning("%s %s %s failed: %s", self.name, method, path, type(exc).__name__)
            raise GatewayError(f"{self.name} could not be reached.", retryable=True, answered=False) from None
        return self.decode(response, method=method, path=path)

    def decode(self, response: httpx.Response, *, method: str, path: str) -> Any:
        try:
            payload = json.loads(response.text, parse_float=Decimal)  # amounts stay exact
        except ValueError:
            payload = None
        if response.status_code >= 500 or payload is None:
            log.warning("%s %s %s answered %s", self.name, method, path, response.status_code)
            raise GatewayError(f"{self.name} had a problem ({response.status_code}).", retryable=True)
        if response.status_code >= 400:
            message = payload.get("message", "") if isinstance(payload, dict) else ""
            raise GatewayError(message or f"{self.name} refused the request ({response.status_code}).")
        return payload


# --- Reading the gateways' own lists -------------------------------------------------------------------


def walk_pages(fetch: Callable[[int], Any], *, last_page: Callable[[Any], int]) -> Iterator[dict]:
    """Every item of a paged list, one page held at a time, until the page the list's own meta calls the
    last (or an empty page, should the meta be missing)."""
    page = 1
    while True:
        payload = fetch(page)
        items = payload.get("data") or []
        yield from items
        if not items or page >= last_page(payload):
            return
        page += 1


def window(since: date, until: date) -> dict[str, str]:
    """A list's from / to: a day past `until`, as some gateways read a bare `to` date as its midnight;
    `in_window` then keeps exactly [since, until]."""
    return {"from": since.isoformat(), "to": (until + timedelta(days=1)).isoformat()}


def in_window(moment: datetime | None, since: date, until: date) -> bool:
    """Whether a record made at `moment` falls on a day in [since, until] (our time zone, as the books)."""
    return moment is None or since <= timezone.localtime(moment).date() <= until


def parse_time(text: Any) -> datetime | None:
    """A gateway's timestamp ("2020-01-02T22:06:45.000Z"), aware; None when missing or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
