"""What the SMS providers tell us: delivery reports, and texts users send back (STOP, START)."""

import phonenumbers
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboundMessage, SmsOptOut

Status = OutboundMessage.Status

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES"}


@transaction.atomic
def record_delivery_report(*, provider: str, provider_message_id: str, delivered: bool, reason: str = "") -> bool:
    """A provider says a sent SMS reached the handset (or never will). Stale or unknown reports change nothing."""
    message = (
        OutboundMessage.objects.select_for_update()
        .filter(provider=provider, provider_message_id=provider_message_id, status=Status.SENT)
        .first()
    )
    if not provider_message_id or message is None:
        return False
    if delivered:
        message.move_to(Status.DELIVERED, note=f"{provider} delivery report")
        message.delivered_at = timezone.now()
    else:
        message.move_to(Status.FAILED, note=f"{provider} delivery report: {reason}")
        message.last_error = f"Not delivered: {reason or 'no reason given'}"[:1000]
    message.save()
    return True


def record_inbound_sms(*, phone: str, text: str, source: str) -> str | None:
    """A user texted us: STOP opts the number out, START opts it back in."""
    word = text.strip().upper()
    number = e164(phone)
    if number and word in STOP_WORDS:
        record_opt_out(phone=number, source=source)
        return "stop"
    if number and word in START_WORDS:
        SmsOptOut.objects.filter(phone=number).delete()
        return "start"
    return None


def record_opt_out(*, phone: str, source: str) -> None:
    if number := e164(phone):
        SmsOptOut.objects.get_or_create(phone=number, defaults={"source": source[:40]})


def e164(phone: str) -> str | None:
    """A provider's number ("+2348031234567" or "2348031234567") in E.164, or None if it is not one."""
    digits = phone.strip()
    try:
        number = phonenumbers.parse(digits if digits.startswith("+") else f"+{digits}")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
