"""Twilio: POST {TWILIO_BASE_URL}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded, basic auth.

Errors come back as {"code", "message", "more_info", "status"}; 21610 means the number replied STOP.
"""

from django.conf import settings
from django.urls import reverse

from notifications.sms import BaseSmsBackend, SmsMessage, http_error
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
