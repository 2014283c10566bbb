"""Gateway webhooks: authenticate, store raw with a unique dedupe key, answer fast, process later.

Processing never trusts the webhook's body: it only says which payment, transfer or refund to
re-check with the gateway. So duplicates, replays and events out of order all end in one effect.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.gateways import get_gateway
from payments.models import Payment, Payout, Refund, WebhookEvent
from payments.services.checkout import confirm_payment
from payments.services.payouts import recheck_payout
from payments.services.refunds import send_refund


def receive_webhook(*, gateway: str, body: bytes, headers: dict[str, str]) -> WebhookEvent:
    """Raises ForgedWebhook (nothing written) unless the signature checks out."""
    notice = get_gateway(gateway).parse_webhook(body=body, headers=headers)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                gateway=gateway,
                dedupe_key=notice.dedupe_key[:200],
                event_type=notice.event_type[:60],
                reference=notice.reference[:64],
                gateway_object_id=notice.gateway_id[:64],
                body=body.decode("utf-8", errors="replace"),
            )
            from payments.tasks import process_webhook_task

            transaction.on_commit(lambda: process_webhook_task.enqueue(event_id=event.pk))
    except IntegrityError:
        return WebhookEvent.objects.get(dedupe_key=notice.dedupe_key[:200])  # a duplicate: already stored
    return event


def process_webhook(*, event_id: int) -> WebhookEvent:
    event = WebhookEvent.objects.get(pk=event_id)
    if event.status != WebhookEvent.Status.RECEIVED:
        return event
    kind = event.event_type.split(".")[0]
    handler = {"charge": _charge, "transfer": _transfer, "refund": _refund}.get(kind)
    status, note = handler(event) if handler else (WebhookEvent.Status.IGNORED, "not an event we act on")
    if status != WebhookEvent.Status.RECEIVED:
        WebhookEvent.objects.filter(pk=event.pk, status=WebhookEvent.Status.RECEIVED).update(
            status=status, note=note[:300], processed_at=timezone.now()
        )
    event.refresh_from_db()
    return event


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
    refunds = Refund.objects.filter(payment__reference=event.reference, status=Refund.Status.PENDING)
    if not refunds.exists():
        return WebhookEvent.Status.IGNORED, "no pending refund for this payment"
    for refund in refunds:
        send_refund(refund_id=refund.pk)
    return WebhookEvent.Status.PROCESSED, "refunds re-checked"
