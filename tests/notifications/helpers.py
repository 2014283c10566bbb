"""Helpers for the notification tests: a clock we move by hand and provider sandboxes."""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from accounts.services import mark_phone_verified

LAGOS = ZoneInfo("Africa/Lagos")
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=LAGOS)


class Clock:
    """Stands in for django.utils.timezone.now; tests move it forward by hand."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


def verify_phone(user) -> None:
    mark_phone_verified(user=user, phone=user.phone)


# --- provider sandboxes: answer like the providers' documented APIs -------------------------

TERMII_OK = {"message_id": "9122821270554876574", "message": "Successfully Sent", "balance": 9, "user": "Expert Hive"}
TERMII_BAD_KEY = {"message": "Invalid API key"}
AT_OK = {
    "SMSMessageData": {
        "Message": "Sent to 1/1 Total Cost: NGN 2.2000",
        "Recipients": [
            {
                "statusCode": 101,
                "number": "+2348051234567",
                "status": "Success",
                "cost": "NGN 2.2000",
                "messageId": "ATXid_a4b0d3ee55c74e1a8b9c",
            }
        ],
    }
}
TWILIO_OK = {
    "sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "status": "queued",
    "to": "+2348051234567",
    "from": "+15005550006",
    "body": "",
    "error_code": None,
    "error_message": None,
    "num_segments": "1",
}
TWILIO_INVALID_TO = {
    "code": 21211,
    "message": "The 'To' number +2340000 is not a valid phone number.",
    "more_info": "https://www.twilio.com/docs/errors/21211",
    "status": 400,
}


def at_recipient(status_code: int, status: str) -> dict:
    recipient = {
        "statusCode": status_code,
        "number": "+2348051234567",
        "status": status,
        "cost": "0",
        "messageId": "None",
    }
    return {"SMSMessageData": {"Message": "Sent to 0/1 Total Cost: 0", "Recipients": [recipient]}}


@dataclass
class Sandbox:
    """An httpx transport that answers each request with the next scripted (status, body)."""

    answers: list[tuple[int, dict]]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return httpx.Response(status, json=body)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index].content)


def use_sandbox(monkeypatch, settings, backend_class, sandbox: Sandbox) -> Sandbox:
    """Make `backend_class` the SMS backend, talking to `sandbox` instead of the network."""
    settings.SMS_BACKEND = f"{backend_class.__module__}.{backend_class.__name__}"
    monkeypatch.setattr(backend_class, "client", lambda self, **kw: httpx.Client(transport=sandbox.transport, **kw))
    return sandbox
