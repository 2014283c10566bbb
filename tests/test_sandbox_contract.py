"""The sandbox speaks the providers' documented contract: every documented field with its type, the list
endpoints with their pagination, JSON errors shaped like each provider's, and URLs as real clients build
them. The field tables come from Flutterwave's v3 samples and Paystack's OpenAPI description."""

from datetime import timedelta
from types import NoneType

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from payments.gateways import get_gateway
from payments.sandbox.models import SandboxCharge, SandboxChargeback, SandboxRefund, SandboxTransfer
from tests.sandbox import path_of

pytestmark = pytest.mark.django_db

NUMBER = (int, float)
TEXT = str
MAYBE_TEXT = (str, NoneType)

FLUTTERWAVE_TRANSACTION = {
    "id": int,
    "tx_ref": TEXT,
    "flw_ref": TEXT,
    "device_fingerprint": TEXT,
    "amount": NUMBER,
    "currency": TEXT,
    "charged_amount": NUMBER,
    "app_fee": NUMBER,
    "merchant_fee": NUMBER,
    "processor_response": TEXT,
    "auth_model": TEXT,
    "ip": TEXT,
    "narration": TEXT,
    "status": TEXT,
    "payment_type": TEXT,
    "created_at": TEXT,
    "account_id": int,
    "card": dict,
    "meta": NoneType,
    "amount_settled": NUMBER,
    "customer": dict,
}
# The list's sample gives ids as strings and the customer flattened.
FLUTTERWAVE_LISTED_TRANSACTION = {
    **{k: v for k, v in FLUTTERWAVE_TRANSACTION.items() if k not in ("customer", "meta")},
    "id": TEXT,
    "account_id": TEXT,
    "customer_name": TEXT,
    "customer_email": TEXT,
}
FLUTTERWAVE_TRANSFER = {
    "id": int,
    "account_number": TEXT,
    "bank_code": TEXT,
    "full_name": TEXT,
    "created_at": TEXT,
    "currency": TEXT,
    "debit_currency": TEXT,
    "amount": NUMBER,
    "fee": NUMBER,
    "status": TEXT,
    "reference": TEXT,
    "meta": NoneType,
    "narration": TEXT,
    "complete_message": TEXT,
    "requires_approval": int,
    "is_approved": int,
    "bank_name": TEXT,
}
FLUTTERWAVE_LISTED_REFUND = {
    "id": int,
    "amount_refunded": NUMBER,
    "status": TEXT,
    "flw_ref": TEXT,
    "destination": TEXT,
    "comment": TEXT,
    "settlement_id": TEXT,
    "meta": dict,
    "created_at": TEXT,
    "account_id": int,
    "transaction_id": int,
}
FLUTTERWAVE_CHARGEBACK = {
    "id": int,
    "amount": NUMBER,
    "flw_ref": TEXT,
    "status": TEXT,
    "stage": TEXT,
    "comment": TEXT,
    "meta": dict,
    "due_date": TEXT,
    "settlement_id": TEXT,
    "created_at": TEXT,
    "transaction_id": int,
}
PAYSTACK_TRANSACTION = {
    "id": int,
    "domain": TEXT,
    "status": TEXT,
    "reference": TEXT,
    "amount": int,
    "message": NoneType,
    "gateway_response": TEXT,
    "paid_at": MAYBE_TEXT,
    "created_at": TEXT,
    "channel": TEXT,
    "currency": TEXT,
    "ip_address": MAYBE_TEXT,
    "metadata": (dict, NoneType),
    "log": (dict, NoneType),
    "fees": (int, NoneType),
    "fees_split": (int, NoneType),
    "customer": dict,
    "authorization": dict,
    "plan": dict,
    "split": dict,
    "subaccount": dict,
    "order_id": NoneType,
    "paidAt": MAYBE_TEXT,
    "createdAt": TEXT,
    "requested_amount": int,
    "source": (dict, NoneType),
    "connect": (dict, NoneType),
    "pos_transaction_data": NoneType,
}
PAYSTACK_REFUND = {
    "integration": int,
    "transaction": int,
    "dispute": NoneType,
    "settlement": NoneType,
    "id": int,
    "domain": TEXT,
    "currency": TEXT,
    "amount": int,
    "status": TEXT,
    "refunded_at": MAYBE_TEXT,
    "refunded_by": TEXT,
    "customer_note": TEXT,
    "merchant_note": TEXT,
    "deducted_amount": int,
    "fully_deducted": int,
    "createdAt": TEXT,
    "bank_reference": NoneType,
    "transaction_reference": TEXT,
    "reason": TEXT,
    "customer": dict,
    "refund_type": TEXT,
    "transaction_amount": int,
    "initiated_by": TEXT,
    "refund_channel": TEXT,
    "session_id": NoneType,
    "collect_account_number": bool,
}
PAYSTACK_TRANSFER = {
    "amount": int,
    "createdAt": TEXT,
    "currency": TEXT,
    "domain": TEXT,
    "failures": NoneType,
    "id": int,
    "integration": int,
    "reason": TEXT,
    "reference": TEXT,
    "source": TEXT,
    "source_details": NoneType,
    "status": TEXT,
    "titan_code": NoneType,
    "transfer_code": TEXT,
    "request": int,
    "transferred_at": MAYBE_TEXT,
    "updatedAt": TEXT,
    "recipient": dict,
    "session": dict,
    "fee_charged": int,
    "fees_breakdown": (int, NoneType),
}
PAYSTACK_DISPUTE = {
    "id": int,
    "refund_amount": int,
    "currency": TEXT,
    "status": TEXT,
    "resolution": MAYBE_TEXT,
    "domain": TEXT,
    "transaction": dict,
    "transaction_reference": NoneType,
    "category": TEXT,
    "customer": dict,
    "bin": TEXT,
    "last4": TEXT,
    "dueAt": MAYBE_TEXT,
    "resolvedAt": MAYBE_TEXT,
    "evidence": NoneType,
    "attachments": NoneType,
    "note": NoneType,
    "history": list,
    "messages": list,
    "createdAt": TEXT,
    "updatedAt": TEXT,
}
PAYSTACK_META = {"total": int, "skipped": int, "perPage": int, "page": int, "pageCount": int}


def shape_problems(item: dict, spec: dict) -> list[str]:
    return [
        f"{name}: {item[name]!r}" if name in item else f"{name} missing"
        for name, kind in spec.items()
        if name not in item or not isinstance(item[name], kind)
    ]


def provider(name: str) -> Client:
    """A client holding the secret key, as the providers' API expects it."""
    key = (settings.FLUTTERWAVE if name == "flutterwave" else settings.PAYSTACK)["SECRET_KEY"]
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def paid_charge(name: str, reference: str, amount: int = 500_000, outcome: str = "pay") -> SandboxCharge:
    link = get_gateway(name).checkout(
        reference=reference,
        amount=amount,
        currency="NGN",
        email="ada@example.com",
        name="Ada",
        redirect_url="http://testserver/back",
        title="Algebra",
    )
    assert Client().post(path_of(link), {"outcome": outcome, "webhook": "drop"}).status_code == 302
    return SandboxCharge.objects.get(gateway=name, reference=reference)


def sent_transfer(name: str, reference: str, amount: int = 300_000, number: str = "0123456780") -> SandboxTransfer:
    gateway = get_gateway(name)
    recipient = gateway.create_recipient(bank_code="058", account_number=number, account_name="", currency="NGN")
    gateway.transfer(
        reference=reference,
        amount=amount,
        currency="NGN",
        bank_code="058",
        account_number=number,
        recipient_code=recipient,
        narration="Payout",
    )
    return SandboxTransfer.objects.get(gateway=name, reference=reference)


# --- Every documented field, with its type ------------------------------------------------------------


def test_flutterwave_verify_and_transaction_list_show_every_documented_field():
    charge = paid_charge("flutterwave", "EH-FLW-1")
    api = provider("flutterwave")

    verified = api.get(f"/sandbox/flutterwave/v3/transactions/{charge.pk}/verify").json()["data"]
    listed = api.get("/sandbox/flutterwave/v3/transactions").json()

    assert shape_problems(verified, FLUTTERWAVE_TRANSACTION) == []
    assert verified["amount_settled"] == 5000 - 70  # the amount less the 1.4% fee, in naira
    assert listed["meta"]["page_info"] == {"total": 1, "current_page": 1, "total_pages": 1}
    assert shape_problems(listed["data"][0], FLUTTERWAVE_LISTED_TRANSACTION) == []


def test_flutterwave_transfers_show_approval_bank_name_and_fee():
    transfer = sent_transfer("flutterwave", "EH-T-1")
    api = provider("flutterwave")

    fetched = api.get(f"/sandbox/flutterwave/v3/transfers/{transfer.pk}").json()["data"]
    listed = api.get("/sandbox/flutterwave/v3/transfers").json()

    assert shape_problems(fetched, FLUTTERWAVE_TRANSFER) == []
    assert (fetched["requires_approval"], fetched["is_approved"], fetched["bank_name"]) == (
        0,
        1,
        "GUARANTY TRUST BANK",
    )
    assert fetched["fee"] == 10.75
    assert listed["meta"]["page_info"]["total"] == 1
    assert shape_problems(listed["data"][0], FLUTTERWAVE_TRANSFER) == []


def test_flutterwave_lists_refunds_and_chargebacks_with_their_documented_fields():
    charge = paid_charge("flutterwave", "EH-FLW-2")
    SandboxRefund.objects.create(charge=charge, amount=100_000)
    SandboxChargeback.objects.create(charge=charge, amount=200_000)
    api = provider("flutterwave")

    refunds = api.get("/sandbox/flutterwave/v3/refunds").json()
    chargebacks = api.get("/sandbox/flutterwave/v3/chargebacks").json()

    assert shape_problems(refunds["data"][0], FLUTTERWAVE_LISTED_REFUND) == []
    assert shape_problems(chargebacks["data"][0], FLUTTERWAVE_CHARGEBACK) == []
    assert chargebacks["data"][0]["amount"] == 2000
    assert chargebacks["meta"]["page_info"]["total_pages"] == 1


def test_paystack_lists_show_every_documented_field_and_their_meta():
    charge = paid_charge("paystack", "EH-PS-1")
    SandboxRefund.objects.create(charge=charge, amount=100_000, status="processed")
    SandboxChargeback.objects.create(charge=charge, amount=200_000)
    sent_transfer("paystack", "EH-T-2")
    api = provider("paystack")

    verified = api.get("/sandbox/paystack/transaction/verify/EH-PS-1").json()["data"]
    transfer = api.get("/sandbox/paystack/transfer/verify/EH-T-2").json()["data"]
    lists = {
        path: api.get(f"/sandbox/paystack/{path}").json() for path in ("transaction", "refund", "transfer", "dispute")
    }

    assert shape_problems(verified, PAYSTACK_TRANSACTION) == []
    assert shape_problems(transfer, PAYSTACK_TRANSFER) == []
    for path, spec in [
        ("transaction", PAYSTACK_TRANSACTION),
        ("refund", PAYSTACK_REFUND),
        ("transfer", PAYSTACK_TRANSFER),
        ("dispute", PAYSTACK_DISPUTE),
    ]:
        assert shape_problems(lists[path]["meta"], PAYSTACK_META) == [], path
        assert shape_problems(lists[path]["data"][0], spec) == [], path
    assert lists["transaction"]["meta"]["total_volume"] == 500_000


# --- Pagination ------------------------------------------------------------------------------------------


def charges(name: str, count: int, prefix: str = "EH-MANY", **fields) -> None:
    status = "successful" if name == "flutterwave" else "success"
    SandboxCharge.objects.bulk_create(
        SandboxCharge(
            gateway=name,
            reference=f"{prefix}-{n}",
            amount=100_000,
            paid_amount=100_000,
            currency="NGN",
            email="ada@example.com",
            redirect_url="http://testserver/back",
            webhook_url="http://testserver/hook",
            status=status,
            **fields,
        )
        for n in range(count)
    )


def test_flutterwave_pages_its_transactions_as_documented():
    charges("flutterwave", 25)
    api = provider("flutterwave")

    pages = [api.get("/sandbox/flutterwave/v3/transactions", {"page": n}).json() for n in (1, 2, 3)]

    assert [len(page["data"]) for page in pages] == [10, 10, 5]
    assert pages[2]["meta"]["page_info"] == {"total": 25, "current_page": 3, "total_pages": 3}
    assert len({item["tx_ref"] for page in pages for item in page["data"]}) == 25


def test_paystack_pages_by_per_page_and_filters_by_date():
    charges("paystack", 7)
    charges("paystack", 1, prefix="EH-OLD", created_at=timezone.now() - timedelta(days=40))  # outside the window
    since = (timezone.now() - timedelta(days=2)).date().isoformat()

    query = {"perPage": "3", "page": "3", "from": since}
    page = provider("paystack").get("/sandbox/paystack/transaction", query).json()

    assert page["meta"] | {"total_volume": 0} == {
        "total": 7,
        "total_volume": 0,
        "skipped": 6,
        "perPage": 3,
        "page": 3,
        "pageCount": 3,
    }
    assert len(page["data"]) == 1


# --- Errors and URLs as real clients build them --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/sandbox/flutterwave/v3/no-such-thing", {"status": "error", "message": "Route not found", "data": None}),
        ("/sandbox/flutterwave/nothing/here", {"status": "error", "message": "Route not found", "data": None}),
        ("/sandbox/paystack/no-such-thing", {"status": False, "message": "Route not found"}),
    ],
)
def test_an_unknown_provider_path_answers_the_providers_json_not_an_html_page(path, body):
    name = path.split("/")[2]

    response = provider(name).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == body


@pytest.mark.parametrize(
    "path",
    [
        "/sandbox/flutterwave/v3//transactions",
        "/sandbox/flutterwave/v3/transactions/",
        "/sandbox/paystack//transaction",
    ],
)
def test_a_doubled_or_trailing_slash_reaches_the_endpoint_as_on_the_real_hosts(path):
    charges(path.split("/")[2], 2)

    response = provider(path.split("/")[2]).get(path)

    assert response.status_code == 200
    assert len(response.json()["data"]) == 2


def test_a_doubled_slash_still_needs_the_secret_key():
    response = Client().get("/sandbox/flutterwave/v3//transactions")

    assert response.status_code == 401
    assert response.json()["status"] == "error"
