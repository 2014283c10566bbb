"""Providers calling us back: the payment gateways' webhooks, and the SMS providers' reports
(delivery status, inbound texts (STOP), opt-outs).

Each provider's backend checks its callbacks (Termii: HMAC-SHA512 of the body; Twilio: its
request signature; Africa's Talking signs nothing, so a secret token sits in the URL) and reads
them. A forged or malformed report is refused and changes nothing.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import services
from notifications.sms import BaseSmsBackend, MalformedCallback
from notifications.sms.africastalking import AfricasTalkingBackend
from notifications.sms.termii import TermiiBackend
from notifications.sms.twilio import TwilioBackend
from payments import services as payment_services
from payments.gateways import GATEWAYS
from payments.gateways.base import ForgedWebhook, MalformedWebhook

log = logging.getLogger("payments.webhooks")

FORGED = "Signature check failed."
MALFORMED = "Malformed report."
TOO_BIG = "Body too large."


def ok() -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def _reports(request: HttpRequest, backend: BaseSmsBackend, *, source: str, token: str = "") -> HttpResponse:
    """Record each final delivery report; a number the provider says replied STOP is opted out."""
    if not backend.authentic(request, token=token):
        return HttpResponseForbidden(FORGED)
    try:
        reports = backend.parse_report(request)
    except MalformedCallback:
        return HttpResponseBadRequest(MALFORMED)
    for report in reports:
        services.record_delivery_report(
            provider=backend.name,
            provider_message_id=report.message_id,
            delivered=report.delivered,
            reason=report.reason,
        )
        if report.opted_out:
            services.record_opt_out(phone=report.opted_out, source=source)
    return ok()


def _inbound(
    request: HttpRequest, backend: BaseSmsBackend, *, source: str, token: str = "", answer: HttpResponse | None = None
) -> HttpResponse:
    """Act on a text a user sent us (STOP, START)."""
    if not backend.authentic(request, token=token):
        return HttpResponseForbidden(FORGED)
    try:
        text = backend.parse_inbound(request)
    except MalformedCallback:
        return HttpResponseBadRequest(MALFORMED)
    services.record_inbound_sms(phone=text.phone, text=text.text, source=source)
    return answer or ok()


@csrf_exempt
@require_POST
def termii_report(request: HttpRequest) -> HttpResponse:
    return _reports(request, TermiiBackend(), source="termii-report")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    return _reports(request, TwilioBackend(), source="twilio-status")


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    # An empty TwiML answer: Twilio sends its own STOP confirmation.
    twiml = HttpResponse("<Response></Response>", content_type="text/xml")
    return _inbound(request, TwilioBackend(), source="twilio-inbound", answer=twiml)


@csrf_exempt
@require_POST
def africastalking_report(request: HttpRequest, token: str) -> HttpResponse:
    return _reports(request, AfricasTalkingBackend(), source="africastalking-report", token=token)


@csrf_exempt
@require_POST
def africastalking_optout(request: HttpRequest, token: str) -> HttpResponse:
    backend = AfricasTalkingBackend()
    if not backend.authentic(request, token=token):
        return HttpResponseForbidden(FORGED)
    try:
        phone = backend.parse_opt_out(request)
    except MalformedCallback:
        return HttpResponseBadRequest(MALFORMED)
    services.record_opt_out(phone=phone, source="africastalking-optout")
    return ok()


@csrf_exempt
@require_POST
def africastalking_inbound(request: HttpRequest, token: str) -> HttpResponse:
    return _inbound(request, AfricasTalkingBackend(), source="africastalking-inbound", token=token)


@csrf_exempt
@require_POST
def payment_webhook(request, gateway):
    """Answer fast: check the signature, store the raw body, let a task do the rest."""
    if gateway not in GATEWAYS:
        return HttpResponseBadRequest("unknown gateway")
    if _too_big(request):
        return HttpResponse(TOO_BIG, status=413, content_type="text/plain")
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        payment_services.receive_webhook(gateway=gateway, body=request.body, headers=headers)
    except ForgedWebhook as exc:
        log.warning("refused a %s webhook: %s", gateway, exc)
        return HttpResponse("invalid signature", status=401, content_type="text/plain")
    except MalformedWebhook as exc:
        log.warning("kept a malformed %s webhook: %s", gateway, exc)
        return HttpResponseBadRequest(f"malformed event: {exc}", content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def _too_big(request: HttpRequest) -> bool:
    """Checked on the declared length before the body is read, and on the body itself (chunked uploads)."""
    cap = settings.WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > cap or len(request.body) > cap
