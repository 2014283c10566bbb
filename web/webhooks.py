"""Providers calling us back: the payment gateways' webhooks, and the SMS providers' reports
(delivery status, inbound texts (STOP), opt-outs).

Each request is authenticated the way its provider allows (Termii: HMAC-SHA512 of the body;
Twilio: HMAC-SHA1 request signature; Africa's Talking signs nothing, so a secret token sits
in the URL). A forged or malformed report is refused and changes nothing.
"""

import base64
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import services
from payments import services as payment_services
from payments.gateways import GATEWAYS
from payments.gateways.base import ForgedWebhook

log = logging.getLogger("payments.webhooks")

FORGED = "Signature check failed."
MALFORMED = "Malformed report."


def ok() -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


# --- Termii ---------------------------------------------------------------------------


def termii_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


@csrf_exempt
@require_POST
def termii_report(request: HttpRequest) -> HttpResponse:
    secret = settings.TERMII_SECRET_KEY
    given = request.headers.get("X-Termii-Signature", "")
    if not secret or not constant_time_compare(given.lower(), termii_signature(request.body, secret)):
        return HttpResponseForbidden(FORGED)
    try:
        report = json.loads(request.body)
        message_id, status = str(report["message_id"]), str(report["status"]).lower()
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest(MALFORMED)
    # Statuses read like "DELIVERED | Message delivered to handset", "Message Failed", "DND Active ...".
    if "deliver" in status and "not" not in status:
        services.record_delivery_report(provider="termii", provider_message_id=message_id, delivered=True)
    elif any(word in status for word in ("fail", "reject", "expire", "dnd", "undeliver")):
        services.record_delivery_report(
            provider="termii", provider_message_id=message_id, delivered=False, reason=report["status"]
        )
    return ok()


# --- Twilio ---------------------------------------------------------------------------


def twilio_signature(url: str, params: dict[str, list[str]], token: str) -> str:
    """Twilio's scheme: the full URL, then each POST field name and value sorted by name, HMAC-SHA1, base64."""
    payload = url + "".join(name + value for name in sorted(params) for value in sorted(params[name]))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _twilio_signed(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()  # the address Twilio was given
    expected = twilio_signature(url, dict(request.POST.lists()), token) if token else ""
    return bool(token) and constant_time_compare(request.headers.get("X-Twilio-Signature", ""), expected)


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not _twilio_signed(request):
        return HttpResponseForbidden(FORGED)
    sid, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    if not sid or not status:
        return HttpResponseBadRequest(MALFORMED)
    error = request.POST.get("ErrorCode", "")
    if status == "delivered":
        services.record_delivery_report(provider="twilio", provider_message_id=sid, delivered=True)
    elif status in ("undelivered", "failed"):
        reason = f"{status} (error {error})" if error else status
        services.record_delivery_report(provider="twilio", provider_message_id=sid, delivered=False, reason=reason)
        if error == "21610" and request.POST.get("To"):
            services.record_opt_out(phone=request.POST["To"], source="twilio-status")
    return ok()


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not _twilio_signed(request):
        return HttpResponseForbidden(FORGED)
    phone = request.POST.get("From", "")
    if not phone:
        return HttpResponseBadRequest(MALFORMED)
    # With Advanced Opt-Out Twilio names the keyword's meaning in OptOutType.
    text = request.POST.get("OptOutType") or request.POST.get("Body", "")
    services.record_inbound_sms(phone=phone, text=text, source="twilio-inbound")
    # An empty TwiML answer: Twilio sends its own STOP confirmation.
    return HttpResponse("<Response></Response>", content_type="text/xml")


# --- Africa's Talking --------------------------------------------------------------------


def _africastalking_token_ok(token: str) -> bool:
    expected = settings.AFRICASTALKING_WEBHOOK_TOKEN
    return bool(expected) and constant_time_compare(token, expected)


@csrf_exempt
@require_POST
def africastalking_report(request: HttpRequest, token: str) -> HttpResponse:
    if not _africastalking_token_ok(token):
        return HttpResponseForbidden(FORGED)
    message_id, status = request.POST.get("id", ""), request.POST.get("status", "")
    if not message_id or not status:
        return HttpResponseBadRequest(MALFORMED)
    if status == "Success":
        services.record_delivery_report(provider="africastalking", provider_message_id=message_id, delivered=True)
    elif status in ("Failed", "Rejected"):
        reason = request.POST.get("failureReason", "") or status
        services.record_delivery_report(
            provider="africastalking", provider_message_id=message_id, delivered=False, reason=reason
        )
        if reason == "UserInBlackList" and request.POST.get("phoneNumber"):
            services.record_opt_out(phone=request.POST["phoneNumber"], source="africastalking-report")
    return ok()


@csrf_exempt
@require_POST
def africastalking_optout(request: HttpRequest, token: str) -> HttpResponse:
    if not _africastalking_token_ok(token):
        return HttpResponseForbidden(FORGED)
    phone = request.POST.get("phoneNumber", "")
    if not phone:
        return HttpResponseBadRequest(MALFORMED)
    services.record_opt_out(phone=phone, source="africastalking-optout")
    return ok()


@csrf_exempt
@require_POST
def africastalking_inbound(request: HttpRequest, token: str) -> HttpResponse:
    if not _africastalking_token_ok(token):
        return HttpResponseForbidden(FORGED)
    phone = request.POST.get("from", "")
    if not phone:
        return HttpResponseBadRequest(MALFORMED)
    services.record_inbound_sms(phone=phone, text=request.POST.get("text", ""), source="africastalking-inbound")
    return ok()


@csrf_exempt
@require_POST
def payment_webhook(request, gateway):
    """Answer fast: check the signature, store the raw body, let a task do the rest."""
    if gateway not in GATEWAYS:
        return HttpResponseBadRequest("unknown gateway")
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        payment_services.receive_webhook(gateway=gateway, body=request.body, headers=headers)
    except ForgedWebhook as exc:
        log.warning("refused a %s webhook: %s", gateway, exc)
        return HttpResponse("invalid signature", status=401, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
