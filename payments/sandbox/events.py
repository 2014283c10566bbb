"""What happens on the provider's side without the site asking, as a real merchant meets it: a refund made
on the dashboard, a paid transfer sent back by the bank, a customer's chargeback opened and decided.

Each changes the sandbox's records (which its list endpoints then show) and sends the webhook the provider
sends for it, if it sends one. Tests and the control page call these."""

from django.db import transaction
from django.utils import timezone

from payments.sandbox import records, settle
from payments.sandbox.models import SandboxCharge, SandboxChargeback, SandboxRefund, SandboxTransfer

NOT_PAID = "Only a paid charge can be refunded or disputed; this one is {status}."
TOO_MUCH = "That is more than is left of the charge ({left} in minor units)."
NOT_SENT = "Only a transfer the bank paid can come back; this one is {status}."
NOT_OPEN = "This chargeback is already {status}."


class Refused(ValueError):
    """The provider would not do that (nothing changed)."""


@transaction.atomic
def refund_at_gateway(charge: SandboxCharge, amount: int | None = None) -> SandboxRefund:
    """A refund made on the provider's dashboard (all that is left, unless an amount is given)."""
    charge = SandboxCharge.objects.select_for_update().get(pk=charge.pk)
    amount = _within(charge, amount)
    status = "completed" if charge.gateway == "flutterwave" else "processed"
    made = SandboxRefund.objects.create(
        charge=charge, amount=amount, status=status, source=SandboxRefund.Source.DASHBOARD
    )
    event = (
        records.flutterwave_refund_event(made)
        if charge.gateway == "flutterwave"
        else records.paystack_refund_event(made)
    )
    settle.send_event(charge.gateway, url=charge.webhook_url, event=event)
    return made


def _within(charge: SandboxCharge, amount: int | None) -> int:
    if not records.charged(charge):
        raise Refused(NOT_PAID.format(status=charge.status))
    left = charge.paid_amount - sum(r.amount for r in charge.refunds.exclude(status="failed"))
    if left <= 0 or (amount is not None and not 0 < amount <= left):
        raise Refused(TOO_MUCH.format(left=left))
    return left if amount is None else amount


@transaction.atomic
def reverse_transfer(transfer: SandboxTransfer) -> SandboxTransfer:
    """The bank sends a paid transfer back (a closed account, a name mismatch). Paystack says so with
    `transfer.reversed`; Flutterwave only shows the transfer as REVERSED when asked."""
    transfer = settle.settle_transfer(SandboxTransfer.objects.select_for_update().get(pk=transfer.pk))
    if transfer.status != "successful":
        raise Refused(NOT_SENT.format(status=transfer.status))
    transfer.status, transfer.reversed_at = "reversed", timezone.now()
    transfer.save(update_fields=["status", "reversed_at"])
    if transfer.gateway == "paystack":
        event = {"event": "transfer.reversed", "data": records.paystack_transfer(transfer)}
        settle.send_event(transfer.gateway, url=transfer.webhook_url, event=event)
    return transfer


@transaction.atomic
def open_chargeback(charge: SandboxCharge, amount: int | None = None) -> SandboxChargeback:
    """The customer's bank disputes the charge (all of it, unless an amount is given): the provider
    freezes that much of the merchant's balance. Paystack sends `charge.dispute.create`; Flutterwave lists it."""
    charge = SandboxCharge.objects.select_for_update().get(pk=charge.pk)
    if not records.charged(charge):
        raise Refused(NOT_PAID.format(status=charge.status))
    if amount is not None and not 0 < amount <= charge.paid_amount:
        raise Refused(TOO_MUCH.format(left=charge.paid_amount))
    chargeback = SandboxChargeback.objects.create(
        charge=charge, amount=charge.paid_amount if amount is None else amount
    )
    _tell(chargeback, "charge.dispute.create")
    return chargeback


@transaction.atomic
def close_chargeback(chargeback: SandboxChargeback, won: bool) -> SandboxChargeback:
    """The dispute is decided: won, the frozen money is the merchant's again; lost, it goes to the customer.
    Paystack sends `charge.dispute.resolve`."""
    chargeback = SandboxChargeback.objects.select_for_update().select_related("charge").get(pk=chargeback.pk)
    if chargeback.status != SandboxChargeback.Status.OPEN:
        raise Refused(NOT_OPEN.format(status=chargeback.get_status_display().lower()))
    chargeback.status = SandboxChargeback.Status.WON if won else SandboxChargeback.Status.LOST
    chargeback.resolved_at = timezone.now()
    chargeback.save(update_fields=["status", "resolved_at"])
    _tell(chargeback, "charge.dispute.resolve")
    return chargeback


def _tell(chargeback: SandboxChargeback, event: str) -> None:
    charge = chargeback.charge
    if charge.gateway == "paystack":
        settle.send_event(
            charge.gateway, url=charge.webhook_url, event={"event": event, "data": records.paystack_dispute(chargeback)}
        )
