"""What a merchant meets on the gateway's side without asking, played by the sandbox: payments of the wrong
size or currency, refunds made on the dashboard, transfers the bank sends back, chargebacks; each with the
webhook the provider sends, and the balance the gateway then holds for the merchant."""

import json

import pytest

from payments import sandbox
from payments.gateways import get_gateway
from payments.gateways.flutterwave import sign as flutterwave_sign
from payments.gateways.paystack import sign as paystack_sign
from payments.sandbox import events
from payments.sandbox.models import SandboxRefund, SandboxWebhook
from tests.test_sandbox_contract import paid_charge, sent_transfer

pytestmark = pytest.mark.django_db

BOTH = pytest.mark.parametrize("name", ["flutterwave", "paystack"])


def last_event(name: str) -> dict:
    hook = SandboxWebhook.objects.filter(gateway=name).latest("id")
    if name == "paystack":
        assert hook.headers["x-paystack-signature"] == paystack_sign(hook.body.encode(), "sk_test_sandbox_secret_key")
    else:
        assert hook.headers["flutterwave-signature"] == flutterwave_sign(hook.body.encode(), "sandbox-webhook-hash")
    return json.loads(hook.body)


@BOTH
def test_an_overpayment_is_what_the_gateway_says_was_paid(name):
    charge = paid_charge(name, "EH-OVER", amount=500_000, outcome="overpay")

    verified = get_gateway(name).verify(reference="EH-OVER", gateway_id=str(charge.pk))

    assert (verified.status, verified.amount, verified.currency) == ("succeeded", 600_000, "NGN")


@BOTH
def test_a_payment_in_the_wrong_currency_is_what_the_gateway_says_was_paid(name):
    charge = paid_charge(name, "EH-USD", amount=500_000, outcome="wrong_currency")

    verified = get_gateway(name).verify(reference="EH-USD", gateway_id=str(charge.pk))

    assert (verified.status, verified.currency) == ("succeeded", "USD")


def test_a_paystack_dashboard_refund_sends_refund_processed():
    charge = paid_charge("paystack", "EH-R1")

    events.refund_at_gateway(charge, 100_000)

    event = last_event("paystack")
    assert event["event"] == "refund.processed"
    assert event["data"] | {"refund_reference": ""} == {
        **event["data"],
        "status": "processed",
        "transaction_reference": "EH-R1",
        "amount": "100000",
        "currency": "NGN",
        "refund_reference": "",
    }


def test_a_flutterwave_dashboard_refund_sends_refund_completed():
    charge = paid_charge("flutterwave", "EH-R2")

    events.refund_at_gateway(charge)  # all of it

    event = last_event("flutterwave")
    assert event["event"] == "refund.completed"
    assert (event["data"]["TransactionId"], event["data"]["AmountRefunded"], event["data"]["status"]) == (
        charge.pk,
        5000,
        "completed",
    )


@BOTH
def test_a_dashboard_refund_is_refused_past_what_was_paid(name):
    charge = paid_charge(name, "EH-R3")
    events.refund_at_gateway(charge, 400_000)

    with pytest.raises(events.Refused, match="more than is left"):
        events.refund_at_gateway(charge, 100_001)

    assert SandboxRefund.objects.count() == 1


def test_a_reversed_paystack_transfer_sends_transfer_reversed():
    transfer = sent_transfer("paystack", "EH-T-REV")

    events.reverse_transfer(transfer)

    event = last_event("paystack")
    assert (event["event"], event["data"]["reference"], event["data"]["status"]) == (
        "transfer.reversed",
        "EH-T-REV",
        "reversed",
    )
    result = get_gateway("paystack").transfer_status(reference="EH-T-REV")
    assert (result.status, result.amount, result.currency, result.fee) == ("reversed", 300_000, "NGN", 1_000)


def test_a_reversed_flutterwave_transfer_shows_reversed_when_asked_without_a_webhook():
    transfer = sent_transfer("flutterwave", "EH-T-REV")
    webhooks = SandboxWebhook.objects.count()

    events.reverse_transfer(transfer)

    assert SandboxWebhook.objects.count() == webhooks
    result = get_gateway("flutterwave").transfer_status(reference="EH-T-REV", gateway_id=str(transfer.pk))
    assert (result.status, result.amount, result.currency, result.fee) == ("reversed", 300_000, "NGN", 1_075)


@BOTH
def test_a_failed_transfer_cannot_be_reversed_and_shows_no_fee(name):
    transfer = sent_transfer(name, "EH-T-FAIL", number="0123456789")  # accounts ending in 9 fail at the bank

    with pytest.raises(events.Refused, match="Only a transfer the bank paid"):
        events.reverse_transfer(transfer)

    result = get_gateway(name).transfer_status(reference="EH-T-FAIL", gateway_id=str(transfer.pk))
    assert (result.status, result.fee) == ("failed", 0)


def test_a_paystack_chargeback_is_announced_and_resolved_by_webhook():
    charge = paid_charge("paystack", "EH-CB")

    chargeback = events.open_chargeback(charge, 200_000)
    opened = last_event("paystack")
    events.close_chargeback(chargeback, won=True)
    resolved = last_event("paystack")

    assert (opened["event"], opened["data"]["status"], opened["data"]["refund_amount"]) == (
        "charge.dispute.create",
        "awaiting-merchant-feedback",
        200_000,
    )
    assert opened["data"]["transaction"]["reference"] == "EH-CB"
    assert (resolved["event"], resolved["data"]["status"], resolved["data"]["resolution"]) == (
        "charge.dispute.resolve",
        "resolved",
        "declined",
    )


def test_a_flutterwave_chargeback_is_only_listed():
    charge = paid_charge("flutterwave", "EH-CB")
    webhooks = SandboxWebhook.objects.count()

    chargeback = events.open_chargeback(charge)
    events.close_chargeback(chargeback, won=False)

    assert SandboxWebhook.objects.count() == webhooks
    with pytest.raises(events.Refused, match="already lost"):
        events.close_chargeback(chargeback, won=True)


@BOTH
def test_the_gateway_holds_captured_less_refunds_transfers_fees_and_lost_chargebacks(name):
    first, second = paid_charge(name, "EH-H1", amount=500_000), paid_charge(name, "EH-H2", amount=400_000)
    events.refund_at_gateway(first, 100_000)
    sent_transfer(name, "EH-T-PAID", amount=300_000)
    bounced = sent_transfer(name, "EH-T-BOUNCED", amount=200_000, number="0123456789")
    get_gateway(name).transfer_status(reference=bounced.reference, gateway_id=str(bounced.pk))  # failed: back whole
    events.reverse_transfer(sent_transfer(name, "EH-T-BACK", amount=100_000))  # comes back, less its fee
    events.close_chargeback(events.open_chargeback(second), won=False)
    events.open_chargeback(first, 50_000)

    fees = first.__class__.objects.filter(reference__in=["EH-H1", "EH-H2"]).values_list("fee", flat=True)
    transfer_fee = 1_075 if name == "flutterwave" else 1_000
    expected = 900_000 - sum(fees) - 100_000 - 300_000 - 2 * transfer_fee - 400_000
    assert sandbox.holdings(name) == {"NGN": expected}
    assert sandbox.frozen(name) == {"NGN": 50_000}


def test_holdings_keep_each_currency_apart():
    paid_charge("paystack", "EH-NGN", amount=500_000)
    paid_charge("paystack", "EH-USD", amount=10_000, outcome="wrong_currency")

    held = sandbox.holdings("paystack")

    assert held == {"NGN": 500_000 - 7_500, "USD": 10_000 - 150}
    assert sandbox.holdings("flutterwave") == {}
