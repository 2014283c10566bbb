"""Ada pays for Bola's accepted bid through the sandbox's hosted checkout, with the real adapter code."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement
from payments import ledger, services
from payments.gateways.base import Verification
from payments.models import Account, Escrow, Payment, Refund
from payments.sandbox.core import inject_fault
from tests.sandbox import path_of, pay_in_sandbox, start_paying

pytestmark = pytest.mark.django_db


def status_of(engagement) -> str:
    engagement.refresh_from_db()
    return engagement.status


def test_the_student_sees_a_pay_button_for_the_accepted_price(client, ada, engagement):
    client.force_login(ada)

    page = client.get(engagement.get_absolute_url()).text

    assert "Pay ₦4,000</button>" in page
    assert "being switched on" not in page


def test_paying_on_the_hosted_page_holds_the_money_in_escrow(ada, engagement):
    page = pay_in_sandbox(engagement)

    assert "Paid — held in escrow" in page.text
    assert status_of(engagement) == Engagement.Status.IN_PROGRESS
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000
    assert ledger.balance(account=Account.STUDENT_FUNDING, currency="NGN", user=ada) == -400_000
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_the_gateway_fee_is_recorded_against_platform_revenue(engagement):
    pay_in_sandbox(engagement)

    assert ledger.balance(account=Account.GATEWAY_FEES, currency="NGN") == 5_600  # 1.4% of ₦4,000
    assert ledger.balance(account=Account.PLATFORM_REVENUE, currency="NGN") == -5_600


def test_the_hosted_page_goes_to_the_sandbox_with_the_price(engagement):
    client, checkout = start_paying(engagement)

    page = client.get(checkout).text

    assert checkout.startswith("/sandbox/flutterwave/checkout/")
    assert "₦4,000" in page and "Pay less than asked" in page


def test_a_sandbox_served_apart_sends_its_webhooks_where_the_dashboard_says(settings, engagement):
    from payments.sandbox.models import SandboxCharge

    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:5000/payments/webhooks/{gateway}/"
    start_paying(engagement)

    assert SandboxCharge.objects.get().webhook_url == "http://127.0.0.1:5000/payments/webhooks/flutterwave/"


def test_a_declined_card_is_explained_and_the_student_can_try_again(engagement):
    page = pay_in_sandbox(engagement, outcome="fail")

    assert "The payment did not go through" in page.text
    assert "Pay ₦4,000</button>" in page.text
    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT
    again = pay_in_sandbox(engagement)
    assert "Paid — held in escrow" in again.text


def test_cancelling_at_the_gateway_charges_nothing(engagement):
    page = pay_in_sandbox(engagement, outcome="cancel")

    assert "You cancelled the payment. Nothing was charged" in page.text
    assert Payment.objects.get().status == Payment.Status.CANCELLED
    assert ledger.totals_by_currency() == {}


def test_paying_less_than_asked_is_not_credited_and_is_refunded(engagement):
    page = pay_in_sandbox(engagement, outcome="underpay")

    assert "Paid ₦2,000 of ₦4,000: not credited" in page.text
    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT
    assert not Escrow.objects.exists()
    assert Refund.objects.get().amount == 200_000
    assert ledger.totals_by_currency() == {"NGN": 0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"currency": "USD"}, "Paid in USD instead of NGN"),
        ({"amount": 399_999}, "not credited"),
        ({"status": "failed"}, ""),
        ({"status": "pending"}, ""),
        ({"reference": "EH-someone-else"}, ""),
    ],
)
def test_a_verification_that_does_not_match_credits_nothing(engagement, ada, change, message):
    payment = services.checkout._new_payment(engagement=engagement, student=ada)
    said = {"reference": payment.reference, "gateway_id": "1", "status": "succeeded", "amount": 400_000}
    verification = Verification(**{**said, "currency": "NGN", **change})

    payment = services.confirm_payment(payment=payment, verification=verification)

    assert payment.status != Payment.Status.SUCCEEDED
    assert message in payment.failure_reason
    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 0


def test_a_forged_return_query_string_is_never_trusted(client, ada, engagement):
    client, _ = start_paying(engagement, client)  # the student leaves the hosted page without paying
    reference = Payment.objects.get().reference

    page = client.get(reverse("payment_return", args=[reference]) + "?status=successful&transaction_id=1", follow=True)

    assert "confirming your payment with the gateway" in page.text
    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT


def test_an_engagement_that_is_paid_cannot_be_paid_again(client, ada, funded):
    client.force_login(ada)

    page = client.post(reverse("payment_start", args=[funded.pk]), follow=True)

    assert "not waiting for payment: it is in progress" in page.text
    assert Payment.objects.count() == 1


def test_pressing_pay_again_hands_back_the_same_live_checkout(client, engagement):
    client, first = start_paying(engagement, client)
    for _ in range(9):  # a slow network: the student taps Pay ten times
        assert start_paying(engagement, client)[1] == first

    assert Payment.objects.count() == 1
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_an_expired_checkout_is_replaced_by_a_new_one(client, engagement):
    client, first = start_paying(engagement, client)
    Payment.objects.update(created_at=timezone.now() - timedelta(minutes=31))

    second = start_paying(engagement, client)[1]

    assert second != first
    assert list(Payment.objects.order_by("id").values_list("status", flat=True)) == ["cancelled", "pending"]


def test_a_second_payment_from_an_old_checkout_is_refunded_not_double_charged(client, engagement):
    client, old_checkout = start_paying(engagement, client)
    Payment.objects.update(created_at=timezone.now() - timedelta(minutes=31))  # its link has expired here
    pay_in_sandbox(engagement, client=client)  # paid with a fresh checkout

    back = client.post(old_checkout, {"outcome": "pay", "webhook": "drop"})  # then the old tab is paid too
    page = client.get(path_of(back["Location"]), follow=True)

    assert "already paid, so this payment is being refunded" in page.text
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    assert Escrow.objects.get().amount == 400_000
    assert Refund.objects.get().reason == "Paid after the engagement was paid or closed: refunded."
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000


def test_the_gateway_being_down_at_checkout_charges_nothing_and_says_so(client, ada, engagement):
    inject_fault(gateway="flutterwave", operation="checkout", mode="error")
    client.force_login(ada)

    page = client.post(reverse("payment_start", args=[engagement.pk]), follow=True)

    assert "couldn&#x27;t reach the payment gateway, so nothing was charged" in page.text
    assert Payment.objects.get().status == Payment.Status.FAILED


def test_a_timeout_while_verifying_is_recovered_by_reconciliation(engagement):
    inject_fault(gateway="flutterwave", operation="verify", mode="timeout")

    page = pay_in_sandbox(engagement)
    assert "confirming your payment with the gateway" in page.text

    services.reconcile(everything=True)
    services.reconcile(everything=True)

    assert status_of(engagement) == Engagement.Status.IN_PROGRESS
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000


def test_strangers_and_the_tutor_cannot_pay_or_see_the_payment(client, dayo, bola, engagement):
    pay_in_sandbox(engagement, outcome="fail")
    reference = Payment.objects.get().reference

    client.force_login(dayo)
    assert client.post(reverse("payment_start", args=[engagement.pk])).status_code == 404
    assert client.get(reverse("payment_return", args=[reference])).status_code == 404
    client.force_login(bola)
    page = client.post(reverse("payment_start", args=[engagement.pk]), follow=True)
    assert "Only the student on this engagement can pay for it." in page.text
    assert Payment.objects.count() == 1


def test_paystack_is_chosen_by_settings_and_the_student_flow_is_the_same(settings, engagement):
    settings.CURRENCIES = {**settings.CURRENCIES, "NGN": {**settings.CURRENCIES["NGN"], "gateway": "paystack"}}

    page = pay_in_sandbox(engagement)

    assert "Paid — held in escrow" in page.text
    assert Payment.objects.get().gateway == "paystack"
    assert Escrow.objects.get().amount == 400_000


def test_paystack_cancel_leaves_the_engagement_payable(settings, engagement):
    settings.PAYMENT_GATEWAY = "paystack"

    pay_in_sandbox(engagement, outcome="cancel")

    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT
    assert "Paid — held in escrow" in pay_in_sandbox(engagement).text
