"""The adapters read each gateway's own records for a window of days: every page, one page at a time, in
our terms (minor units, our references, our status words), against the sandbox's list endpoints."""

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from payments.gateways import GatewayError, get_gateway, paystack
from payments.gateways import base as gateway_base
from payments.gateways.flutterwave import rounded_minor
from payments.sandbox import events
from payments.sandbox.core import inject_fault
from tests.sandbox import InProcessTransport
from tests.test_sandbox_contract import charges, paid_charge, sent_transfer

pytestmark = pytest.mark.django_db

BOTH = pytest.mark.parametrize("name", ["flutterwave", "paystack"])


def today():
    return timezone.localdate()


def window(days: int = 1) -> dict:
    return {"since": today() - timedelta(days=days), "until": today()}


class CountingTransport(InProcessTransport):
    def __init__(self):
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


@pytest.fixture
def requests_seen(monkeypatch):
    transport = CountingTransport()
    monkeypatch.setattr(gateway_base, "TRANSPORT", transport)
    monkeypatch.setattr(paystack, "PER_PAGE", 10)  # pages of ten, as Flutterwave's, so 25 rows take three
    return transport.paths


@BOTH
def test_every_page_of_charges_is_read_one_page_at_a_time(name, requests_seen):
    charges(name, 25)

    listed = get_gateway(name).list_charges(**window())
    first = next(listed)
    asked_for_the_first = len(requests_seen)
    rest = list(listed)

    assert asked_for_the_first == 1  # a generator: nothing past the first page is read yet
    assert len(requests_seen) == 3
    assert len({first.reference, *(c.reference for c in rest)}) == 25


@BOTH
def test_a_listed_charge_is_in_our_terms(name):
    charge = paid_charge(name, "EH-L1", amount=500_000, outcome="overpay")

    (listed,) = get_gateway(name).list_charges(**window())

    assert (listed.reference, listed.gateway_id, listed.status) == ("EH-L1", str(charge.pk), "succeeded")
    assert (listed.amount, listed.currency, listed.fee) == (600_000, "NGN", charge.fee)
    assert listed.created_at is not None and timezone.is_aware(listed.created_at)


@BOTH
def test_only_charges_made_in_the_window_are_listed(name):
    charges(name, 2)
    charges(name, 3, prefix="EH-OLD", created_at=timezone.now() - timedelta(days=10))

    gateway, days_ago = get_gateway(name), lambda n: today() - timedelta(days=n)

    assert len(list(gateway.list_charges(since=days_ago(2), until=today()))) == 2
    assert len(list(gateway.list_charges(since=days_ago(12), until=today()))) == 5
    assert len(list(gateway.list_charges(since=days_ago(12), until=days_ago(5)))) == 3
    assert list(gateway.list_charges(since=days_ago(5), until=days_ago(3))) == []


@BOTH
def test_failed_and_unpaid_charges_keep_their_status(name):
    paid_charge(name, "EH-F1", outcome="fail")

    (listed,) = get_gateway(name).list_charges(**window())

    assert (listed.reference, listed.status) == ("EH-F1", "failed")


@BOTH
def test_all_refunds_name_the_payment_they_belong_to(name):
    first, second = paid_charge(name, "EH-P1"), paid_charge(name, "EH-P2")
    events.refund_at_gateway(first, 100_000)
    events.refund_at_gateway(second, 50_000)
    get_gateway(name).refund(reference="EH-P1", gateway_id=str(first.pk), amount=20_000, currency="NGN")

    refunds = sorted(get_gateway(name).list_all_refunds(**window()), key=lambda r: r.amount)

    assert [(r.reference, r.amount, r.currency, r.status) for r in refunds] == [
        ("EH-P1", 20_000, "NGN", "succeeded"),
        ("EH-P2", 50_000, "NGN", "succeeded"),
        ("EH-P1", 100_000, "NGN", "succeeded"),
    ]
    assert all(r.created_at is not None and r.gateway_id for r in refunds)


def test_flutterwave_looks_each_refunded_transaction_up_once(requests_seen):
    charge = paid_charge("flutterwave", "EH-P1")
    for _ in range(3):
        events.refund_at_gateway(charge, 10_000)
    requests_seen.clear()

    assert len(list(get_gateway("flutterwave").list_all_refunds(**window()))) == 3
    assert sum("/verify" in path for path in requests_seen) == 1


@BOTH
def test_transfers_carry_amount_fee_and_whether_they_came_back(name):
    sent_transfer(name, "EH-T1", amount=300_000)
    sent_transfer(name, "EH-T2", amount=6_000_000, number="0123456789")  # fails at the bank
    events.reverse_transfer(sent_transfer(name, "EH-T3", amount=100_000))

    listed = {t.reference: t for t in get_gateway(name).list_transfers(**window())}

    small = 1_075 if name == "flutterwave" else 1_000
    assert {ref: (t.status, t.amount, t.currency, t.fee) for ref, t in listed.items()} == {
        "EH-T1": ("succeeded", 300_000, "NGN", small),
        "EH-T2": ("failed", 6_000_000, "NGN", 0),
        "EH-T3": ("reversed", 100_000, "NGN", small),
    }


@BOTH
def test_chargebacks_are_open_until_won_or_lost(name):
    first, second = paid_charge(name, "EH-C1"), paid_charge(name, "EH-C2")
    events.open_chargeback(first, 200_000)
    events.close_chargeback(events.open_chargeback(second), won=False)

    listed = {c.reference: c for c in get_gateway(name).list_chargebacks(**window())}

    assert {ref: (c.status, c.amount, c.currency) for ref, c in listed.items()} == {
        "EH-C1": ("open", 200_000, "NGN"),
        "EH-C2": ("lost", 500_000, "NGN"),
    }
    assert all(c.gateway_id and c.created_at for c in listed.values())


@BOTH
def test_a_won_chargeback_lists_as_won(name):
    events.close_chargeback(events.open_chargeback(paid_charge(name, "EH-C3")), won=True)

    (listed,) = get_gateway(name).list_chargebacks(**window())

    assert listed.status == "won"


@BOTH
@pytest.mark.parametrize(
    ("method", "operation"),
    [
        ("list_charges", "transaction_list"),
        ("list_all_refunds", "refund_list"),
        ("list_transfers", "transfer_list"),
        ("list_chargebacks", "chargeback_list"),
    ],
)
def test_an_injected_fault_reaches_every_list(name, method, operation):
    inject_fault(gateway=name, operation=operation, mode="error")

    with pytest.raises(GatewayError) as failure:
        list(getattr(get_gateway(name), method)(**window()))

    assert failure.value.retryable
    assert list(getattr(get_gateway(name), method)(**window())) == []  # the fault was used up


def test_a_fee_with_a_third_decimal_is_rounded_not_refused():
    assert rounded_minor("26.875", "NGN") == 2688  # Flutterwave's documented transfer fee, ₦26.875
    assert rounded_minor("10.75", "NGN") == 1075
    assert rounded_minor(None, "NGN") == rounded_minor("N/A", "NGN") == 0
