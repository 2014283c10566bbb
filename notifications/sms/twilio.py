"""Twilio: POST {TWILIO_BASE_URL}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded, basic auth.

Errors come back as {"code", "message", "more_info", "status"}; 21610 means the number replied STOP.
Status callbacks and inbound texts are form posts signed with Twilio's request signature
(X-Twilio-Signature).
"""

import base64
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from notifications.sms import BaseSmsBackend, Inbound, MalformedCallback, Report, SmsMessage, http_error
from notifications.sms.termii import _json

UNSUBSCRIBED = 21610


class TwilioBackend(BaseSmsBackend):
    name = "twilio"

    def send(self, message: SmsMessage) -> str:
        sid = settings.TWILIO_ACCOUNT_SID
        response = self.post(
            f"{settings.TWILIO_BASE_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
            data={
                "To": message.to,
                "From": settings.TWILIO_FROM,
                "Body": message.body,
                "StatusCallback": settings.SITE_URL.rstrip("/") + reverse("sms_webhook_twilio_status"),
            },
            auth=(sid, settings.TWILIO_AUTH_TOKEN),
        )
        data = _json(response)
        if response.status_code not in (200, 201) or not data.get("sid"):
            detail = f"{data.get('code', '')} {data.get('message') or response.text[:200]}".strip()
            raise http_error(self.name, response, detail, opted_out=data.get("code") == UNSUBSCRIBED)
        return str(data["sid"])

    def authentic(self, request: HttpRequest, *, token: str = "") -> bool:
        auth_token = settings.TWILIO_AUTH_TOKEN
        url = settings.SITE_URL.rstrip("/") + request.get_full_path()  # the address Twilio was given
        expected = sign(url, dict(request.POST.lists()), auth_token) if auth_token else ""
        return bool(auth_token) and constant_time_compare(request.headers.get("X-Twilio-Signature", ""), expected)

    def parse_report(self, request: HttpRequest) -> list[Report]:
        sid, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
        if not sid or not status:
            raise MalformedCallback("Not a Twilio status callback.")
        error = request.POST.get("ErrorCode", "")
        if status == "delivered":
            return [Report(sid, delivered=True)]
        if status in ("undelivered", "failed"):
            reason = f"{status} (error {error})" if error else status
            stopped = request.POST.get("To", "") if error == str(UNSUBSCRIBED) else ""
            return [Report(sid, delivered=False, reason=reason, opted_out=stopped)]
        return []

    def parse_inbound(self, request: HttpRequest) -> Inbound:
        phone = request.POST.get("From", "")
        if not phone:
            raise MalformedCallback("Not a Twilio inbound text.")
        # With Advanced Opt-Out Twilio names the keyword's meaning in OptOutType.
        return Inbound(phone, request.POST.get("OptOutType") or request.POST.get("Body", ""))


def sign(url: str, params: dict[str, list[str]], token: str) -> str:
    """Twilio's scheme: the full URL, then each POST field name and value sorted by name, HMAC-SHA1, base64."""
    payload = url + "".join(name + value for name in sorted(params) for value in sorted(params[name]))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()
