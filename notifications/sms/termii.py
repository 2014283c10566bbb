"""Termii: POST {TERMII_BASE_URL}/api/sms/send with a JSON body; the API key travels in the body.

Delivery reports come back as JSON signed with HMAC-SHA512 of the body (X-Termii-Signature).
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from notifications.sms import BaseSmsBackend, MalformedCallback, Report, SmsError, SmsMessage, http_error

# Statuses read like "DELIVERED | Message delivered to handset", "Message Failed", "DND Active ...".
NOT_DELIVERED = ("fail", "reject", "expire", "dnd", "undeliver")


class TermiiBackend(BaseSmsBackend):
    name = "termii"

    def send(self, message: SmsMessage) -> str:
        response = self.post(
            f"{settings.TERMII_BASE_URL.rstrip('/')}/api/sms/send",
            json={
                "api_key": settings.TERMII_API_KEY,
                "to": message.to.lstrip("+"),  # Termii wants international digits without the +
                "from": settings.SMS_SENDER_ID,
                "sms": message.body,
                "type": "plain",
                "channel": settings.TERMII_CHANNEL,
            },
        )
        data = _json(response)
        if response.status_code != 200 or not data.get("message_id"):
            detail = str(data.get("message") or response.text[:200])
            if "balance" in detail.lower():
                # Our account ran dry: an operator tops it up, then the retry goes through.
                raise SmsError(f"termii: {detail}", retryable=True)
            raise http_error(self.name, response, detail)
        return str(data["message_id"])

    def authentic(self, request: HttpRequest, *, token: str = "") -> bool:
        secret = settings.TERMII_SECRET_KEY
        given = request.headers.get("X-Termii-Signature", "")
        return bool(secret) and constant_time_compare(given.lower(), sign(request.body, secret))

    def parse_report(self, request: HttpRequest) -> list[Report]:
        try:
            report = json.loads(request.body)
            message_id, status = str(report["message_id"]), str(report["status"]).lower()
        except (ValueError, KeyError, TypeError):
            raise MalformedCallback("Not a Termii delivery report.") from None
        if "deliver" in status and "not" not in status:
            return [Report(message_id, delivered=True)]
        if any(word in status for word in NOT_DELIVERED):
            return [Report(message_id, delivered=False, reason=report["status"])]
        return []


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


def _json(response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
