"""Moving sandbox objects to their final state: a charge paid on the hosted page, a transfer the bank answers."""

import json

from django.conf import settings
from django.urls import reverse

from core.money import to_major
from payments.gateways.flutterwave import sign as flutterwave_sign
from payments.gateways.paystack import sign as paystack_sign
from payments.sandbox.core import dumps, queue_webhook
from payments.sandbox.models import SandboxCharge, SandboxTransfer, SandboxWebhook

FEE_BPS = {"flutterwave": 140, "paystack": 150}  # 1.4% / 1.5% local card fees, capped below


def webhook_url(request, gateway: str) -> str:
    """The site's webhook endpoint, as a merchant would set it on the gateway's dashboard."""
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


def finish_charge(charge: SandboxCharge, *, outcome: str, webhook: str) -> None:
    """The customer chose on the hosted page: pay (in full or less), fail, or cancel."""
    if outcome in ("pay", "underpay"):
        charge.paid_amount = charge.amount if outcome == "pay" else charge.amount // 2
        charge.fee = fee_for(charge.gateway, charge.paid_amount)
        charge.status = "successful" if charge.gateway == "flutterwave" else "success"
    elif outcome == "fail":
        charge.status = "failed"
    else:
        charge.status = "cancelled" if charge.gateway == "flutterwave" else "abandoned"
    charge.save()
    if outcome != "cancel":
        body = dumps(charge_event(charge))
        queue_webhook(
            gateway=charge.gateway,
            url=charge.webhook_url,
            body=body,
            headers=signed_headers(charge.gateway, body),
            mode=webhook,
        )


def charge_event(charge: SandboxCharge) -> dict:
    if charge.gateway == "flutterwave":
        return {"event": "charge.completed", "data": flutterwave_charge(charge), "event.type": "CARD_TRANSACTION"}
    return {
        "event": "charge.success" if charge.status == "success" else "charge.failed",
        "data": paystack_charge(charge),
    }


def flutterwave_charge(charge: SandboxCharge) -> dict:
    amount = charge.paid_amount or charge.amount
    return {
        "id": charge.pk,
        "tx_ref": charge.reference,
        "flw_ref": f"FLW-SANDBOX-{charge.pk}",
        "amount": to_major(amount, charge.currency),
        "currency": charge.currency,
        "charged_amount": to_major(amount, charge.currency),
        "app_fee": to_major(charge.fee, charge.currency),
        "merchant_fee": 0,
        "processor_response": "Approved by Financial Institution" if charge.status == "successful" else "Declined",
        "status": charge.status,
        "payment_type": "card",
        "created_at": charge.created_at.isoformat(),
        "customer": {"email": charge.email, "name": "Sandbox Customer"},
    }


def paystack_charge(charge: SandboxCharge) -> dict:
    return {
        "id": charge.pk,
        "reference": charge.reference,
        "amount": charge.paid_amount or charge.amount,
        "currency": charge.currency,
        "status": charge.status,
        "fees": charge.fee,
        "gateway_response": "Successful" if charge.status == "success" else "Declined",
        "paid_at": charge.created_at.isoformat() if charge.status == "success" else None,
        "customer": {"email": charge.email},
    }


def transfer_event(transfer: SandboxTransfer) -> dict:
    final = transfer.final_status
    if transfer.gateway == "flutterwave":
        data = flutterwave_transfer(transfer, status=final)
        return {"event": "transfer.completed", "event.type": "Transfer", "data": data}
    event = "transfer.success" if final == "successful" else "transfer.failed"
    return {"event": event, "data": paystack_transfer(transfer, status=final)}


def flutterwave_transfer(transfer: SandboxTransfer, *, status: str | None = None) -> dict:
    status = status or transfer.status
    return {
        "id": transfer.pk,
        "account_number": transfer.account_number,
        "bank_code": transfer.bank_code,
        "full_name": transfer.account_name,
        "currency": transfer.currency,
        "amount": to_major(transfer.amount, transfer.currency),
        "fee": to_major(1075, transfer.currency),
        "status": {"pending": "NEW", "successful": "SUCCESSFUL", "failed": "FAILED"}[status],
        "reference": transfer.reference,
        "complete_message": "DISBURSE FAILED: Account is dormant"
        if status == "failed"
        else "Transaction was successful",
        "created_at": transfer.created_at.isoformat(),
    }


def paystack_transfer(transfer: SandboxTransfer, *, status: str | None = None) -> dict:
    status = status or transfer.status
    return {
        "id": transfer.pk,
        "transfer_code": f"TRF_{transfer.code}",
        "reference": transfer.reference,
        "amount": transfer.amount,
        "currency": transfer.currency,
        "status": {"pending": "pending", "successful": "success", "failed": "failed"}[status],
        "reason": "Account is dormant" if status == "failed" else "Payout",
    }


def queue_transfer_webhook(transfer: SandboxTransfer, *, mode: str = "send") -> None:
    body = dumps(transfer_event(transfer))
    queue_webhook(
        gateway=transfer.gateway,
        url=transfer.webhook_url,
        body=body,
        headers=signed_headers(transfer.gateway, body),
        mode=mode,
    )


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
