"""Termii: POST {TERMII_BASE_URL}/api/sms/send with a JSON body; the API key travels in the body."""

from django.conf import settings

from notifications.sms import BaseSmsBackend, SmsError, SmsMessage, http_error


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


def _json(response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
