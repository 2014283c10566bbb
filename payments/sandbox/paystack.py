"""The Paystack API as the sandbox answers it: same paths, bodies and status words (amounts in subunits)."""

import secrets

from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.money import MINOR_DIGITS
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
from payments.sandbox.models import (
    SandboxCharge,
    SandboxChargeback,
    SandboxRecipient,
    SandboxRefund,
    SandboxTransfer,
)

GW = "paystack"
COUNTRY_CODES = {"nigeria": "NG", "ghana": "GH", "kenya": "KE", "south africa": "ZA"}


def error(message: str, status: int = 400):
    return JsonResponse({"status": False, "message": message}, status=status)


def ok(message: str, data) -> HttpResponse:
    return answer({"status": True, "message": message, "data": data})


def listed(request, message: str, rows, *, shape, extra_meta: dict | None = None) -> HttpResponse:
    """One page of a list: perPage (or per_page) and page, from / to, with the meta every list carries."""
    try:
        page = number_in(request.GET, "page", 1)
        per_page = number_in(request.GET, "perPage", number_in(request.GET, "per_page", 50))
        shown, total, pages = page_of(dated(rows, request), page=page, size=per_page)
    except ValueError:
        return error("Invalid query parameters")
    meta = {"total": total, **(extra_meta or {}), "skipped": (page - 1) * per_page, "perPage": per_page}
    meta |= {"page": page, "pageCount": pages}
    return answer({"status": True, "message": message, "data": [shape(row) for row in shown], "meta": meta})


def endpoint(operation: str):
    return api(GW, operation, secret=lambda: settings.PAYSTACK["SECRET_KEY"], refuse=lambda m: error(m, 401))


def subunits(value) -> int | None:
    try:
        amount = int(str(value))
    except ValueError:
        return None
    return amount if amount > 0 else None


@endpoint("checkout")
@require_POST
def initialize(request):
    data = body_of(request)
    amount, currency = subunits(data.get("amount", "")), data.get("currency") or "NGN"
    if amount is None or not data.get("email") or currency not in MINOR_DIGITS:
        return error("Invalid amount, email or currency")
    reference = data.get("reference") or secrets.token_hex(8)
    if SandboxCharge.objects.filter(gateway=GW, reference=reference).exists():
        return error("Duplicate Transaction Reference")
    charge = SandboxCharge.objects.create(
        gateway=GW,
        reference=reference,
        amount=amount,
        currency=currency,
        email=data["email"],
        title=(data.get("metadata") or {}).get("title", ""),
        redirect_url=data.get("callback_url") or "",
        webhook_url=settle.webhook_url(request, GW),
        status="abandoned",
    )
    url = request.build_absolute_uri(reverse("sandbox_checkout", args=[GW, charge.token]))
    return ok(
        "Authorization URL created", {"authorization_url": url, "access_code": charge.token, "reference": reference}
    )


@endpoint("verify")
@require_GET
def verify(request, reference):
    charge = SandboxCharge.objects.filter(gateway=GW, reference=reference).first()
    if charge is None:
        return error("Transaction reference not found")
    return ok("Verification successful", records.paystack_charge(charge))


@endpoint("transaction_list")
@require_GET
def transaction_list(request):
    """GET /transaction: status, currency, amount, from / to, perPage and page."""
    charges = SandboxCharge.objects.filter(gateway=GW).order_by("-id")
    query = request.GET
    filters = {"status": query.get("status"), "currency": query.get("currency")}
    charges = charges.filter(**{field: value for field, value in filters.items() if value})
    if query.get("amount"):
        charges = charges.filter(paid_amount=int(query["amount"])) if query["amount"].isdigit() else charges.none()
    try:
        volume = dated(charges, request).filter(status="success").aggregate(volume=Sum("paid_amount"))["volume"]
    except ValueError:
        return error("Invalid query parameters")
    return listed(
        request,
        "Transactions retrieved",
        charges,
        shape=records.paystack_charge,
        extra_meta={"total_volume": volume or 0},
    )


@endpoint("refund")
@require_POST
def refund(request):
    data = body_of(request)
    charge = SandboxCharge.objects.filter(
        gateway=GW, reference=str(data.get("transaction", "")), status="success"
    ).first()
    if charge is None:
        return error("Transaction not found or not successful")
    amount = subunits(data.get("amount", "")) or charge.paid_amount
    already = sum(r.amount for r in charge.refunds.exclude(status="failed"))  # a failed one returned nothing
    if amount + already > charge.paid_amount:
        return error("Refund amount cannot be more than the transaction amount")
    made = SandboxRefund.objects.create(charge=charge, amount=amount, status="processed")
    return ok("Refund has been queued for processing", records.paystack_refund(made))


@endpoint("refund_list")
@require_GET
def refund_list(request):
    """GET /refund: transaction (its id, or reference), currency, from / to, perPage and page."""
    made = SandboxRefund.objects.filter(charge__gateway=GW).select_related("charge").order_by("-id")
    transaction, currency = request.GET.get("transaction", ""), request.GET.get("currency", "")
    if transaction:
        made = made.filter(Q(charge_id=transaction) if transaction.isdigit() else Q(charge__reference=transaction))
    if currency:
        made = made.filter(charge__currency=currency)
    failed = {"failedRefundCount": made.filter(status="failed").count()}
    return listed(request, "Refunds retrieved", made, shape=records.paystack_listed_refund, extra_meta=failed)


@csrf_exempt
def refund_root(request):
    """One path, two verbs, as on the real API."""
    return refund(request) if request.method == "POST" else refund_list(request)


@endpoint("refund_status")
@require_GET
def refund_detail(request, pk):
    made = SandboxRefund.objects.filter(pk=pk, charge__gateway=GW).select_related("charge").first()
    return error("Refund not found", 404) if made is None else ok("Refund retrieved", records.paystack_refund(made))


@endpoint("banks")
@require_GET
def banks(request):
    country = COUNTRY_CODES.get(request.GET.get("country", "nigeria").lower(), "NG")
    data = [
        {"id": i + 1, "name": name, "code": code, "country": country} for i, (code, name) in enumerate(BANKS[country])
    ]
    return ok("Banks retrieved", data)


@endpoint("resolve")
@require_GET
def resolve(request):
    number = request.GET.get("account_number", "")
    if not valid_account(number):
        return error("Could not resolve account name. Check parameters or try again.", 422)
    return ok("Account number resolved", {"account_number": number, "account_name": account_name(number)})


@endpoint("recipient")
@require_POST
def recipient(request):
    data = body_of(request)
    number = str(data.get("account_number", ""))
    if not valid_account(number) or not data.get("bank_code"):
        return error("Account number is invalid")
    made = SandboxRecipient.objects.create(
        code=f"RCP_{secrets.token_hex(8)}",
        bank_code=data["bank_code"],
        account_number=number,
        account_name=account_name(number),
    )
    details = {"account_number": number, "account_name": made.account_name, "bank_code": made.bank_code}
    return ok("Transfer recipient created successfully", {"recipient_code": made.code, "details": details})


@endpoint("transfer")
@require_POST
def transfer(request):
    data = body_of(request)
    amount, reference = subunits(data.get("amount", "")), str(data.get("reference", ""))
    payee = SandboxRecipient.objects.filter(code=str(data.get("recipient", ""))).first()
    if amount is None or payee is None or not reference:
        return error("Invalid amount, recipient or reference")
    if SandboxTransfer.objects.filter(gateway=GW, reference=reference).exists():
        return error("Duplicate Transfer Reference")
    made = SandboxTransfer.objects.create(
        gateway=GW,
        reference=reference,
        amount=amount,
        currency=data.get("currency") or "NGN",
        bank_code=payee.bank_code,
        account_number=payee.account_number,
        account_name=payee.account_name,
        narration=str(data.get("reason") or "")[:100],
        fee=settle.transfer_fee(GW, amount, data.get("currency") or "NGN"),
        final_status=transfer_outcome(payee.account_number),
        webhook_url=settle.webhook_url(request, GW),
    )
    settle.queue_transfer_webhook(made)
    return ok("Transfer has been queued", records.paystack_transfer(made))


@endpoint("transfer_status")
@require_GET
def transfer_verify(request, reference):
    made = SandboxTransfer.objects.filter(gateway=GW, reference=reference).first()
    if made is None:
        return error("Transfer not found", 404)
    return ok("Transfer retrieved", records.paystack_transfer(settle.settle_transfer(made)))


@endpoint("transfer_list")
@require_GET
def transfer_list(request):
    """GET /transfer: status, recipient, from / to, perPage and page."""
    for pending in SandboxTransfer.objects.filter(gateway=GW, status="pending"):
        settle.settle_transfer(pending)  # the bank has answered by the time anyone lists them
    transfers = SandboxTransfer.objects.filter(gateway=GW).order_by("-id")
    if request.GET.get("status"):
        internal = {shown: ours for ours, shown in records.PAYSTACK_TRANSFER_STATUS.items()}
        transfers = transfers.filter(status=internal.get(request.GET["status"], "-"))
    return listed(request, "Transfers retrieved", transfers, shape=records.paystack_transfer)


@csrf_exempt
def transfer_root(request):
    """One path, two verbs, as on the real API."""
    return transfer(request) if request.method == "POST" else transfer_list(request)


@endpoint("chargeback_list")
@require_GET
def dispute_list(request):
    """GET /dispute: status, transaction (its id), from / to, perPage and page."""
    disputes = SandboxChargeback.objects.filter(charge__gateway=GW).select_related("charge").order_by("-id")
    status, transaction = request.GET.get("status", ""), request.GET.get("transaction", "")
    if status:
        disputes = disputes.exclude(status="open") if status == "resolved" else disputes.filter(status="open")
    if transaction:
        disputes = disputes.filter(charge_id=int(transaction)) if transaction.isdigit() else disputes.none()
    return listed(request, "Disputes retrieved", disputes, shape=records.paystack_dispute)
