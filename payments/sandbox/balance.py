"""What each fake gateway holds for the merchant, from its own records: the figure a merchant's books
must agree with."""

from collections import defaultdict

from django.db.models import F, Sum

from payments.sandbox.models import SandboxCharge, SandboxChargeback, SandboxRefund, SandboxTransfer

CAPTURED = ("successful", "success")
# Money left the balance when the transfer was queued; a failed one comes back whole, a reversed one
# comes back without its fee (the transfer was made).
TRANSFER_OUT = ("pending", "successful")
TRANSFER_FEE_KEPT = ("pending", "successful", "reversed")


def holdings(gateway: str) -> dict[str, int]:
    """Per currency, minor units: captured (paid amounts) - refunded - transferred (not failed or reversed)
    - charge fees - transfer fees - chargebacks lost. Open chargebacks are not taken off: see `frozen`."""
    totals: defaultdict[str, int] = defaultdict(int)
    charges = SandboxCharge.objects.filter(gateway=gateway, status__in=CAPTURED)
    for row in charges.values("currency").annotate(paid=Sum("paid_amount"), fees=Sum("fee")):
        totals[row["currency"]] += row["paid"] - row["fees"]
    refunds = SandboxRefund.objects.filter(charge__gateway=gateway).exclude(status="failed")
    _take(totals, refunds.values(currency=_charge_currency()).annotate(out=Sum("amount")))
    transfers = SandboxTransfer.objects.filter(gateway=gateway)
    _take(totals, transfers.filter(status__in=TRANSFER_OUT).values("currency").annotate(out=Sum("amount")))
    _take(totals, transfers.filter(status__in=TRANSFER_FEE_KEPT).values("currency").annotate(out=Sum("fee")))
    lost = SandboxChargeback.objects.filter(charge__gateway=gateway, status=SandboxChargeback.Status.LOST)
    _take(totals, lost.values(currency=_charge_currency()).annotate(out=Sum("amount")))
    return dict(totals)


def frozen(gateway: str) -> dict[str, int]:
    """Per currency, minor units: what open chargebacks hold back (still in `holdings`, not spendable)."""
    open_ = SandboxChargeback.objects.filter(charge__gateway=gateway, status=SandboxChargeback.Status.OPEN)
    return {
        row["currency"]: row["out"] for row in open_.values(currency=_charge_currency()).annotate(out=Sum("amount"))
    }


def _charge_currency() -> F:
    return F("charge__currency")


def _take(totals: defaultdict[str, int], rows) -> None:
    for row in rows:
        totals[row["currency"]] -= row["out"]
