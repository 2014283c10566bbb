"""Moving sandbox objects to their final state: a charge paid on the hosted page, a transfer the bank answers."""

import json

from django.conf import settings
from django.urls import reverse

from payments.gateways.flutterwave import sign as flutterwave_sign
from payments.gateways.paystack import sign as paystack_sign
from payments.sandbox.core import dumps, queue_webhook
from payments.sandbox.models import SandboxCharge, SandboxTransfer, SandboxWebhook
from payments.sandbox.records import flutterwave_charge, flutterwave_transfer, paystack_charge, paystack_transfer

FEE_BPS = {"flutterwave": 140, "paystack": 150}  # 1.4% / 1.5% local card fees, capped below


def webhook_url(request, gateway: str) -> str:
    """The site's webhook endpoint, as a merchant would set it on the gateway's dashboard."""
    if settings.SANDBOX_WEBHOOK_URL:
        return settings.SANDBOX_WEBHOOK_URL.replace("{gateway}", gateway)
    return request.build_absolute_uri(reverse("payment_webhook", args=[gateway]))


def fee_for(gateway: str, amount: int) -> int:
    return min(amount * FEE_BPS[gateway] // 10_000, 200_000)


def signed_headers(gateway: str, body: str) -> dict:
    if gateway == "flutterwave":
        secret_hash = settings.FLUTTERWAVE["WEBHOOK_HASH"]
        return {
            "content-type": "application/json",
            "verif-hash": secret_hash,
            "flutterwave-signature": flutterwave_sign(body.encode(), secret_hash),
        }
    return {
        "content-type": "application/json",
        "x-paystack-signature": paystack_sign(body.encode(), settings.PAYSTACK["SECRET_KEY"]),
    }


OVERPAY_PERCENT = 120  # "pay more than asked" pays this much of the price
OTHER_CURRENCY = {"NGN": "USD"}  # "pay in the wrong currency": the same figure in another currency


def finish_charge(charge: SandboxCharge, *, outcome: str, webhook: str) -> None:
    """The customer chose on the hosted page: pay (in full, less, more or in another currency), fail, or cancel."""
    if outcome in ("pay", "underpay", "overpay", "wrong_currency"):
        charge.paid_amount = {"underpay": charge.amount // 2, "overpay": charge.amount * OVERPAY_PERCENT // 100}.get(
            outcome, charge.amount
        )
        if outcome == "wrong_currency":
            charge.currency = OTHER_CURRENCY.get(charge.currency, "NGN")
        charge.fee = fee_for(charge.gateway, charge.paid_amount)
        charge.status = "successful" if charge.gateway == "flutterwave" else "success"
    elif outcome == "fail":
        charge.status = "failed"
    else:
        charge.status = "cancelled" if charge.gateway == "flutterwave" else "abandoned"
    charge.save()
    if outcome != "cancel":
        send_event(charge.gateway, url=charge.webhook_url, event=charge_event(charge), mode=webhook)


def send_event(gateway: str, *, url: str, event: dict, mode: str = "send") -> None:
    body = dumps(event)
    queue_webhook(gateway=gateway, url=url, body=body, headers=signed_headers(gateway, body), mode=mode)


def charge_event(charge: SandboxCharge) -> dict:
    if charge.gateway == "flutterwave":
        return {"event": "charge.completed", "data": flutterwave_charge(charge), "event.type": "CARD_TRANSACTION"}
    return {
        "event": "charge.success" if charge.status == "success" else "charge.failed",
        "data": paystack_charge(charge),
    }


def transfer_fee(gateway: str, amount: int, currency: str) -> int:
    """What each provider charges to send a transfer (its NGN price bands; 1% elsewhere, in minor units)."""
    if currency != "NGN":
        return max(1, amount // 100)
    bands = FLUTTERWAVE_TRANSFER_FEES if gateway == "flutterwave" else PAYSTACK_TRANSFER_FEES
    return next(fee for ceiling, fee in bands if amount <= ceiling)


# (up to this amount, the fee), kobo: Flutterwave's ₦10.75 / ₦26.88 / ₦53.75, Paystack's ₦10 / ₦25 / ₦50.
FLUTTERWAVE_TRANSFER_FEES = [(500_000, 1075), (5_000_000, 2688), (10**18, 5375)]
PAYSTACK_TRANSFER_FEES = [(500_000, 1000), (5_000_000, 2500), (10**18, 5000)]


def transfer_event(transfer: SandboxTransfer) -> dict:
    final = transfer.final_status
    if transfer.gateway == "flutterwave":
        data = flutterwave_transfer(transfer, status=final)
        return {"event": "transfer.completed", "event.type": "Transfer", "data": data}
    event = "transfer.success" if final == "successful" else "transfer.failed"
    return {"event": event, "data": paystack_transfer(transfer, status=final)}


def queue_transfer_webhook(transfer: SandboxTransfer, *, mode: str = "send") -> None:
    send_event(transfer.gateway, url=transfer.webhook_url, event=transfer_event(transfer), mode=mode)


def settle_transfer(transfer: SandboxTransfer) -> SandboxTransfer:
    """The bank has answered by the time anyone asks again."""
    if transfer.status == "pending":
        transfer.status = transfer.final_status
        transfer.save(update_fields=["status"])
    return transfer


def before_webhook(hook: SandboxWebhook) -> None:
    event = json.loads(hook.body)
    if event.get("event", "").startswith("transfer."):
        reference = event["data"]["reference"]
        for transfer in SandboxTransfer.objects.filter(gateway=hook.gateway, reference=reference):
            settle_transfer(transfer)
