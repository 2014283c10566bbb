"""The Flutterwave v3 API as the sandbox answers it: same paths, bodies and status words."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.money import MINOR_DIGITS, to_minor
from payments.sandbox import records, settle
from payments.sandbox.core import (
    BANKS,
    account_name,
    answer,
    api,
    body_of,
    dated,
    number_in,
    page_of,
    transfer_outcome,
    valid_account,
)
from payments.sandbox.models import SandboxCharge, SandboxChargeback, SandboxRefund, SandboxTransfer

GW = "flutterwave"
# Page sizes as the documentation's samples show them (44 transactions in 5 pages, 47 transfers in 5).
TRANSACTIONS_PER_PAGE = 10
TRANSFERS_PER_PAGE = 10
REFUNDS_PER_PAGE = 20
CHARGEBACKS_PER_PAGE = 20


def error(message: str, status: int = 400):
    return JsonResponse({"status": "error", "message": message, "data": None}, status=status)


def listed(request, message: str, rows, *, size: int, shape) -> HttpResponse:
    """One page of a list (page, from / to), with the meta.page_info every v3 list carries."""
    try:
        page = number_in(request.GET, "page", 1)
        shown, total, pages = page_of(dated(rows, request), page=page, size=size)
    except ValueError:
        return error("Invalid query parameters")
    meta = {"page_info": {"total": total, "current_page": page, "total_pages": pages}}
    return answer({"status": "success", "message": message, "meta": meta, "data": [shape(row) for row in shown]})


def endpoint(operation: str):
    return api(GW, operation, secret=lambda: settings.FLUTTERWAVE["SECRET_KEY"], refuse=lambda m: error(m, 401))


def minor_amount(value, currency: str) -> int | None:
    try:
        amount = to_minor(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, KeyError):
        return None
    return amount if amount > 0 else None


@endpoint("checkout")
@require_POST
def create_payment(request):
    data = body_of(request)
    currency = data.get("currency") or "NGN"
    customer = data.get("customer") or {}
    if currency not in MINOR_DIGITS:
        return error("Invalid currency")
    amount = minor_amount(data.get("amount"), currency)
    missing = [f for f in ("tx_ref", "redirect_url") if not data.get(f)]
    if missing or amount is None or not customer.get("email"):
        return error("Please enter a valid tx_ref, amount, redirect_url and customer email")
    charge, created = SandboxCharge.objects.get_or_create(
        gateway=GW,
        reference=data["tx_ref"],
        defaults={
            "amount": amount,
            "currency": currency,
            "email": customer["email"],
            "title": (data.get("customizations") or {}).get("title", ""),
            "redirect_url": data["redirect_url"],
            "webhook_url": settle.webhook_url(request, GW),
        },
    )
    if not created and charge.status != "pending":
        return error("Transaction reference already exists")
    link = request.build_absolute_uri(reverse("sandbox_checkout", args=[GW, charge.token]))
    return answer({"status": "success", "message": "Hosted Link", "data": {"link": link}})


def charge_answer(charge: SandboxCharge | None):
    if charge is None or charge.status == "pending":
        return error("No transaction was found for this id")
    return answer(
        {"status": "success", "message": "Transaction fetched successfully", "data": records.flutterwave_charge(charge)}
    )


@endpoint("verify")
@require_GET
def verify(request, pk):
    return charge_answer(SandboxCharge.objects.filter(gateway=GW, pk=pk).first())


@endpoint("verify")
@require_GET
def verify_by_reference(request):
    return charge_answer(SandboxCharge.objects.filter(gateway=GW, reference=request.GET.get("tx_ref", "")).first())


@endpoint("refund")
@require_POST
def refund(request, pk):
    charge = SandboxCharge.objects.filter(gateway=GW, pk=pk, status="successful").first()
    if charge is None:
        return error("Transaction not found or not successful")
    amount = minor_amount(body_of(request).get("amount", ""), charge.currency) or charge.paid_amount
    already = sum(r.amount for r in charge.refunds.exclude(status="failed"))  # a failed one returned nothing
    if amount + already > charge.paid_amount:
        return error("Refund amount exceeds the transaction amount")
    made = SandboxRefund.objects.create(charge=charge, amount=amount)
    return answer(
        {"status": "success", "message": "Transaction refund initiated", "data": records.flutterwave_refund(made)}
    )


@endpoint("refund_status")
@require_GET
def refund_detail(request, pk):
    made = SandboxRefund.objects.filter(pk=pk, charge__gateway=GW).select_related("charge").first()
    if made is None:
        return error("Refund not found", 404)
    return answer({"status": "success", "message": "Refund fetched", "data": records.flutterwave_refund(made)})


@endpoint("refund_list")
@require_GET
def refund_list(request):
    """GET /v3/refunds: from / to dates, status, currency, flw_ref (the refund's) and id (the transaction's)."""
    made = SandboxRefund.objects.filter(charge__gateway=GW).select_related("charge").order_by("-id")
    query = request.GET
    filters = {"status": query.get("status"), "charge__currency": query.get("currency")}
    made = made.filter(**{field: value for field, value in filters.items() if value})
    if query.get("id"):
        made = made.filter(charge_id=int(query["id"])) if query["id"].isdigit() else made.none()
    flw_ref = query.get("flw_ref", "")
    if flw_ref:
        pk = flw_ref.removeprefix("URF-SANDBOX-")
        made = made.filter(pk=int(pk)) if pk.isdigit() else made.none()
    return listed(request, "Refunds fetched", made, size=REFUNDS_PER_PAGE, shape=records.flutterwave_listed_refund)


@endpoint("transaction_list")
@require_GET
def transaction_list(request):
    """GET /v3/transactions: from / to dates, page, status, currency, tx_ref. A checkout nobody opened
    has no transaction yet, so it is not listed."""
    charges = SandboxCharge.objects.filter(gateway=GW).exclude(status="pending").order_by("-id")
    query = request.GET
    filters = {"status": query.get("status"), "currency": query.get("currency"), "reference": query.get("tx_ref")}
    charges = charges.filter(**{field: value for field, value in filters.items() if value})
    return listed(
        request, "Transactions fetched", charges, size=TRANSACTIONS_PER_PAGE, shape=records.flutterwave_listed_charge
    )


@endpoint("chargeback_list")
@require_GET
def chargeback_list(request):
    """GET /v3/chargebacks: from / to dates, page, status, flw_ref (the transaction's)."""
    chargebacks = SandboxChargeback.objects.filter(charge__gateway=GW).select_related("charge").order_by("-id")
    query = request.GET
    if query.get("status"):
        internal = {shown: ours for ours, shown in records.FLUTTERWAVE_CHARGEBACK_STATUS.items()}
        chargebacks = chargebacks.filter(status=internal.get(query["status"], "-"))
    flw_ref = query.get("flw_ref", "")
    if flw_ref:
        pk = flw_ref.removeprefix("FLW-SANDBOX-")
        chargebacks = chargebacks.filter(charge_id=int(pk)) if pk.isdigit() else chargebacks.none()
    return listed(
        request, "Chargebacks fetched", chargebacks, size=CHARGEBACKS_PER_PAGE, shape=records.flutterwave_chargeback
    )


@endpoint("banks")
@require_GET
def banks(request, country):
    listed = BANKS.get(country.upper(), [])
    data = [{"id": i + 1, "code": code, "name": name} for i, (code, name) in enumerate(listed)]
    return answer({"status": "success", "message": "Banks fetched successfully", "data": data})


@endpoint("resolve")
@require_POST
def resolve(request):
    data = body_of(request)
    number, bank = str(data.get("account_number", "")), str(data.get("account_bank", ""))
    if not valid_account(number) or not any(bank == code for listed in BANKS.values() for code, _ in listed):
        return error("Sorry, that account number is invalid, please check and try again")
    return answer(
        {
            "status": "success",
            "message": "Account details fetched",
            "data": {"account_number": number, "account_name": account_name(number)},
        }
    )


@endpoint("transfer")
@require_POST
def transfers(request):
    data = body_of(request)
    currency = data.get("currency") or "NGN"
    amount = minor_amount(data.get("amount"), currency) if currency in MINOR_DIGITS else None
    number, reference = str(data.get("account_number", "")), str(data.get("reference", ""))
    if amount is None or not reference or not valid_account(number):
        return error("Please enter a valid account_bank, account_number, amount and reference")
    if SandboxTransfer.objects.filter(gateway=GW, reference=reference).exists():
        return error("Duplicate reference: a transfer with this reference already exists")
    transfer = SandboxTransfer.objects.create(
        gateway=GW,
        reference=reference,
        amount=amount,
        currency=currency,
        bank_code=str(data.get("account_bank", "")),
        account_number=number,
        account_name=account_name(number),
        narration=str(data.get("narration") or "")[:100],
        fee=settle.transfer_fee(GW, amount, currency),
        final_status=transfer_outcome(number),
        webhook_url=settle.webhook_url(request, GW),
    )
    settle.queue_transfer_webhook(transfer)
    return answer(
        {"status": "success", "message": "Transfer Queued Successfully", "data": records.flutterwave_transfer(transfer)}
    )


@endpoint("transfer_status")
@require_GET
def transfer_detail(request, pk):
    transfer = SandboxTransfer.objects.filter(gateway=GW, pk=pk).first()
    if transfer is None:
        return error("No transfer found", 404)
    settle.settle_transfer(transfer)
    return answer({"status": "success", "message": "Transfer fetched", "data": records.flutterwave_transfer(transfer)})


@endpoint("transfer_status")
@require_GET
def transfer_by_reference(request):
    """GET /v3/transfers?reference=: how the adapter finds a transfer it never heard back about."""
    found = SandboxTransfer.objects.filter(gateway=GW, reference=request.GET["reference"])
    data = [records.flutterwave_transfer(settle.settle_transfer(t)) for t in found]
    return answer({"status": "success", "message": "Transfers fetched", "meta": one_page(len(data)), "data": data})


def one_page(total: int) -> dict:
    return {"page_info": {"total": total, "current_page": 1, "total_pages": 1}}


@endpoint("transfer_list")
@require_GET
def transfer_list(request):
    """GET /v3/transfers: page, status (NEW, SUCCESSFUL, FAILED, REVERSED), from / to dates."""
    for transfer in SandboxTransfer.objects.filter(gateway=GW, status="pending"):
        settle.settle_transfer(transfer)  # the bank has answered by the time anyone lists them
    transfers = SandboxTransfer.objects.filter(gateway=GW).order_by("-id")
    if request.GET.get("status"):
        internal = {shown: ours for ours, shown in records.FLUTTERWAVE_TRANSFER_STATUS.items()}
        transfers = transfers.filter(status=internal.get(request.GET["status"].upper(), "-"))
    return listed(request, "Transfers fetched", transfers, size=TRANSFERS_PER_PAGE, shape=records.flutterwave_transfer)


@csrf_exempt
def transfers_root(request):
    """One path, two verbs, as on the real API; a reference asks about one transfer."""
    if request.method == "POST":
        return transfers(request)
    return transfer_by_reference(request) if request.GET.get("reference") else transfer_list(request)
