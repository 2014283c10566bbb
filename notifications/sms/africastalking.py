"""Africa's Talking: POST {AFRICASTALKING_BASE_URL}/version1/messaging, form-encoded, apiKey header.

The answer lists one result per recipient with a statusCode: 100-102 are accepted;
405 (our balance), 500 and 501 (their side) may pass later; 406 means the number opted out.
Its callbacks (delivery reports, opt-outs, inbound texts) are unsigned form posts, so a secret
token sits in the callback URLs (AFRICASTALKING_WEBHOOK_TOKEN).
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from notifications.sms import BaseSmsBackend, Inbound, MalformedCallback, Report, SmsError, SmsMessage, http_error
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

    def authentic(self, request: HttpRequest, *, token: str = "") -> bool:
        expected = settings.AFRICASTALKING_WEBHOOK_TOKEN
        return bool(expected) and constant_time_compare(token, expected)

    def parse_report(self, request: HttpRequest) -> list[Report]:
        message_id, status = request.POST.get("id", ""), request.POST.get("status", "")
        if not message_id or not status:
            raise MalformedCallback("Not an Africa's Talking delivery report.")
        if status == "Success":
            return [Report(message_id, delivered=True)]
        if status in ("Failed", "Rejected"):
            reason = request.POST.get("failureReason", "") or status
            stopped = request.POST.get("phoneNumber", "") if reason == "UserInBlackList" else ""
            return [Report(message_id, delivered=False, reason=reason, opted_out=stopped)]
        return []

    def parse_opt_out(self, request: HttpRequest) -> str:
        """The number in an opt-out notice: someone who replied STOP to our sender ID."""
        if phone := request.POST.get("phoneNumber", ""):
            return phone
        raise MalformedCallback("Not an Africa's Talking opt-out notice.")

    def parse_inbound(self, request: HttpRequest) -> Inbound:
        phone = request.POST.get("from", "")
        if not phone:
            raise MalformedCallback("Not an Africa's Talking inbound text.")
        return Inbound(phone, request.POST.get("text", ""))
