"""Gateway webhooks: authenticate, store raw with a unique dedupe key, answer fast, process later.

Processing never trusts the webhook's body: it only says which payment, transfer or refund to
re-check with the gateway. So duplicates, replays and events out of order all end in one effect.
The dedupe key includes a hash of the body: a redelivery is stored once, but an event that only
shares an id with an earlier one (forged, or the gateway's next word on the same object) is stored
and checked too, never thrown away as a duplicate. A signed body we can't read is kept, marked
malformed, for staff to look at; an event still waiting after `WEBHOOK_MAX_ATTEMPTS` checks is
dead-lettered, and staff may replay it.
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from payments.gateways import GatewayError, get_gateway
from payments.gateways.base import MalformedWebhook
from payments.models import Payment, Payout, WebhookEvent
from payments.services.checkout import confirm_payment
from payments.services.gateway_records import sync_chargebacks, sync_refunds_of
from payments.services.payouts import recheck_payout

log = logging.getLogger("payments.webhooks")

ONLY_STAFF = "Only staff replay webhooks."
NOT_REPLAYABLE = "This event is {status}: only a dead, failed or ignored event can be replayed."


def receive_webhook(*, gateway: str, body: bytes, headers: dict[str, str]) -> WebhookEvent:
    """Raises ForgedWebhook (nothing written) unless the signature checks out; a signed body we can't
    read is stored as malformed and MalformedWebhook raised, so the caller answers 400."""
    digest = hashlib.sha256(body).hexdigest()[:32]
    try:
        notice = get_gateway(gateway).parse_webhook(body=body, headers=headers)
    except MalformedWebhook as exc:
        _store(
            gateway=gateway,
            dedupe_key=f"{gateway}:malformed:{digest}",
            body=body,
            status=WebhookEvent.Status.MALFORMED,
            note=str(exc),
        )
        raise
    return _store(
        gateway=gateway,
        dedupe_key=f"{notice.dedupe_key[:160]}:{digest}",
        body=body,
        event_type=notice.event_type,
        reference=notice.reference,
        gateway_object_id=notice.gateway_id,
    )


def _store(*, gateway: str, dedupe_key: str, body: bytes, status: str = WebhookEvent.Status.RECEIVED, **fields):
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                gateway=gateway,
                dedupe_key=dedupe_key,
                event_type=fields.get("event_type", "")[:60],
                reference=fields.get("reference", "")[:64],
                gateway_object_id=fields.get("gateway_object_id", "")[:64],
                body=body.decode("utf-8", errors="replace"),
                status=status,
                note=fields.get("note", "")[:300],
            )
            if status == WebhookEvent.Status.RECEIVED:
                from payments.tasks import process_webhook_task

                transaction.on_commit(lambda: process_webhook_task.enqueue(event_id=event.pk))
    except IntegrityError:
        return WebhookEvent.objects.get(dedupe_key=dedupe_key)  # a redelivery: already stored
    return event


def process_webhook(*, event_id: int) -> WebhookEvent:
    event = WebhookEvent.objects.get(pk=event_id)
    if event.status != WebhookEvent.Status.RECEIVED:
        return event
    handler = HANDLERS.get(_kind(event))
    try:
        status, note = handler(event) if handler else (WebhookEvent.Status.IGNORED, "not an event we act on")
    except Exception as exc:  # counted as a try, so a handler that always crashes ends dead, not retried forever
        log.exception("Webhook %s: processing failed", event.pk)
        status, note = WebhookEvent.Status.RECEIVED, f"processing failed ({type(exc).__name__}); will retry"
    waiting = WebhookEvent.objects.filter(pk=event.pk, status=WebhookEvent.Status.RECEIVED)
    if status != WebhookEvent.Status.RECEIVED:
        waiting.update(status=status, note=note[:300], processed_at=timezone.now(), last_attempt_at=timezone.now())
    elif event.attempts + 1 >= settings.WEBHOOK_MAX_ATTEMPTS:
        note = f"gave up after {event.attempts + 1} checks; the last said: {note}"
        waiting.update(
            status=WebhookEvent.Status.DEAD, note=note[:300], attempts=F("attempts") + 1, last_attempt_at=timezone.now()
        )
        log.error("Webhook %s dead-lettered: %s", event.pk, note)
    else:
        waiting.update(note=note[:300], attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    event.refresh_from_db()
    return event


def _kind(event: WebhookEvent) -> str:
    if event.event_type.startswith("charge.dispute."):
        return "chargeback"
    return event.event_type.split(".")[0]


def replay_webhook(*, event: WebhookEvent, by: User) -> WebhookEvent:
    """Staff send a dead-lettered (or failed, or ignored) event through processing again, from the start."""
    if not by.is_staff:
        raise PermissionDenied(ONLY_STAFF)
    replayable = [WebhookEvent.Status.DEAD, WebhookEvent.Status.FAILED, WebhookEvent.Status.IGNORED]
    reset = WebhookEvent.objects.filter(pk=event.pk, status__in=replayable).update(
        status=WebhookEvent.Status.RECEIVED, attempts=0, note=f"replayed by {by.email}"[:300], processed_at=None
    )
    if not reset:
        raise ValidationError(NOT_REPLAYABLE.format(status=event.get_status_display().lower()), code="not_replayable")
    return process_webhook(event_id=event.pk)


def _charge(event: WebhookEvent) -> tuple[str, str]:
    payment = Payment.objects.filter(reference=event.reference, gateway=event.gateway).first()
    if payment is None:
        return WebhookEvent.Status.IGNORED, "unknown reference"
    payment = confirm_payment(payment=payment)  # re-verified with the gateway
    if payment.status == Payment.Status.PENDING:
        return WebhookEvent.Status.RECEIVED, "gateway still says pending; will retry"
    return WebhookEvent.Status.PROCESSED, f"payment {payment.status}"


def _transfer(event: WebhookEvent) -> tuple[str, str]:
    payout = Payout.objects.filter(reference=event.reference, gateway=event.gateway).first()
    if payout is None:
        return WebhookEvent.Status.IGNORED, "unknown reference"
    payout = recheck_payout(payout_id=payout.pk)  # pending payouts are looked up by reference first
    if payout.status == Payout.Status.PENDING:
        return WebhookEvent.Status.RECEIVED, "transfer still pending; will retry"
    return WebhookEvent.Status.PROCESSED, f"payout {payout.status}"


def _refund(event: WebhookEvent) -> tuple[str, str]:
    payments = Payment.objects.filter(gateway=event.gateway)
    if event.reference:
        payment = payments.filter(reference=event.reference).first()
    else:  # named by the gateway's transaction id only
        payment = payments.filter(gateway_id=event.gateway_object_id).exclude(gateway_id="").first()
    if payment is None:
        return WebhookEvent.Status.IGNORED, "unknown reference"
    try:
        booked = sync_refunds_of(payment)  # ours answered, or one made on the dashboard booked
    except GatewayError:
        return WebhookEvent.Status.RECEIVED, "the gateway did not answer; will retry"
    return WebhookEvent.Status.PROCESSED, f"refunds re-checked; {booked} made outside the site booked"


def _chargeback(event: WebhookEvent) -> tuple[str, str]:
    try:
        changed = sync_chargebacks(gateway=event.gateway)  # the gateway's own list says what happened
    except GatewayError:
        return WebhookEvent.Status.RECEIVED, "the gateway did not answer; will retry"
    return WebhookEvent.Status.PROCESSED, f"chargebacks re-read: {changed} changed"


HANDLERS = {"charge": _charge, "transfer": _transfer, "refund": _refund, "chargeback": _chargeback}
