"""Africa's Talking: POST {AFRICASTALKING_BASE_URL}/version1/messaging, form-encoded, apiKey header.

The answer lists one result per recipient with a statusCode: 100-102 are accepted;
405 (our balance), 500 and 501 (their side) may pass later; 406 means the number opted out.
"""

from django.conf import settings

from notifications.sms import BaseSmsBackend, SmsError, SmsMessage, http_error
from notifications.sms.termii import _json

ACCEPTED = {100, 101, 102}
RETRYABLE = {405, 500, 501}
BLACKLISTED = 406


class AfricasTalkingBackend(BaseSmsBackend):
    name = "africastalking"

    def send(self, message: SmsMessage) -> str:
        form = {"username": settings.AFRICASTALKING_USERNAME, "to": message.to, "message": message.body}
        if settings.SMS_SENDER_ID:
            form["from"] = settings.SMS_SENDER_ID
        response = self.post(
            f"{settings.AFRICASTALKING_BASE_URL.rstrip('/')}/version1/messaging",
            data=form,
            headers={"apiKey": settings.AFRICASTALKING_API_KEY, "Accept": "application/json"},
        )
        if response.status_code not in (200, 201):
            raise http_error(self.name, response, response.text[:200])
        data = _json(response).get("SMSMessageData") or {}
        recipients = data.get("Recipients") or []
        if not recipients:
            raise SmsError(f"africastalking: {data.get('Message') or 'no recipient accepted'}", retryable=False)
        result = recipients[0]
        code = int(result.get("statusCode", 0))
        if code in ACCEPTED:
            return str(result["messageId"])
        reason = f"africastalking: {code} {result.get('status', '')}".strip()
        raise SmsError(reason, retryable=code in RETRYABLE, opted_out=code == BLACKLISTED)
