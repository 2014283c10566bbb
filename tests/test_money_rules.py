"""The named rules that settle money the books and the gateway disagree about: verification any number of
times from every state, a payment on a closed checkout, over- and underpayment, a refused refund."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement
from payments import ledger, services
from payments.gateways.base import Verification
from payments.models import Account, Discrepancy, Escrow, Payment, Refund
from payments.sandbox.models import SandboxCharge
from tests.sandbox import pay_in_sandbox, start_paying

pytestmark = pytest.mark.django_db


def status_of(engagement) -> str:
    engagement.refresh_from_db()
    return engagement.status


def said(payment: Payment, **change) -> Verification:
    answer = {"reference": payment.reference, "gateway_id": "7", "status": "succeeded", "amount": payment.amount}
    return Verification(**{**answer, "currency": payment.currency, **change})


def everyone_verifies_again(client, payment: Payment) -> None:
    """Return page (reloaded), reconciliation and staff's "re-check everything": each changes nothing more."""
    for _ in range(2):
        page = client.get(reverse("payment_return", args=[payment.reference]), follow=True)
        assert page.status_code == 200
        services.confirm_payment(payment=Payment.objects.get(pk=payment.pk))
        services.reconcile(everything=True)


@pytest.mark.parametrize(("outcome", "kind"), [("underpay", "underpaid")])
def test_an_underpayment_verified_again_and_again_is_refunded_once(client, engagement, outcome, kind):
    pay_in_sandbox(engagement, outcome=outcome, client=client)
    payment = Payment.objects.get()

    everyone_verifies_again(client, payment)

    assert Refund.objects.get().amount == 200_000
    assert Discrepancy.objects.get().kind == kind
    assert ledger.totals_by_currency() == {"NGN": 0}
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 0


@pytest.mark.parametrize(
    ("change", "kind"),
    [({"currency": "USD"}, Discrepancy.Kind.WRONG_CURRENCY), ({"amount": 1_000}, Discrepancy.Kind.UNDERPAID)],
)
def test_an_unusable_payment_is_refunded_once_however_often_it_is_verified(engagement, ada, change, kind):
    payment = services.checkout._new_payment(engagement=engagement, student=ada)
    for _ in range(3):
        payment = services.confirm_payment(payment=payment, verification=said(payment, **change))

    assert payment.status == Payment.Status.FAILED
    refund = Refund.objects.get()
    assert (refund.amount, refund.currency) == (change.get("amount", 400_000), change.get("currency", "NGN"))
    assert Discrepancy.objects.get().kind == kind
    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT


def test_an_overpayment_credits_the_price_and_refunds_the_excess(engagement, ada):
    payment = services.checkout._new_payment(engagement=engagement, student=ada)

    for _ in range(2):
        payment = services.confirm_payment(payment=payment, verification=said(payment, amount=480_000))

    assert payment.status == Payment.Status.SUCCEEDED
    assert Escrow.objects.get().amount == 400_000
    refund = Refund.objects.get()
    assert refund.amount == 80_000
    assert refund.reason == "Paid ₦4,800 for a price of ₦4,000: the ₦800 over the price is being refunded."
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000
    assert Discrepancy.objects.get().kind == Discrepancy.Kind.OVERPAID


def test_a_payment_on_a_checkout_the_site_cancelled_is_credited_while_the_work_awaits_payment(client, engagement):
    client, checkout = start_paying(engagement, client)
    client.get(reverse("payment_return", args=[Payment.objects.get().reference]) + "?status=cancelled")
    assert Payment.objects.get().status == Payment.Status.CANCELLED

    client.post(checkout, {"outcome": "pay", "webhook": "drop"})  # paid in the tab left open; no webhook
    services.reconcile(everything=True)

    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert status_of(engagement) == Engagement.Status.IN_PROGRESS
    assert Discrepancy.objects.get().kind == Discrepancy.Kind.LATE_CAPTURE


def test_a_refund_the_gateway_refuses_leaves_the_money_held_and_asks_staff(client, funded):
    charge = SandboxCharge.objects.get()
    # ₦100 refunded at the gateway's dashboard: the full refund now exceeds what is left
    charge.refunds.create(amount=10_000)

    services.cancel_and_refund(engagement=funded, by=funded.tutor, reason="tutor unavailable")
    refund = services.send_refund(refund_id=Refund.objects.get().pk)

    assert refund.status == Refund.Status.FAILED
    assert ledger.balance(account=Account.REFUNDS_OWED, currency="NGN", user=funded.student) == 400_000
    assert ledger.balance(account=Account.STUDENT_FUNDING, currency="NGN", user=funded.student) == -400_000
    alert = Discrepancy.objects.get(kind=Discrepancy.Kind.REFUND_REFUSED)
    assert alert.state == Discrepancy.State.NEEDS_STAFF
    assert "the money stays held until staff act" in alert.note
    client.force_login(funded.student)
    page = client.get(funded.get_absolute_url()).text
    assert "status-refund-failed" in page


def test_an_abandoned_checkout_is_closed_once_its_link_expires_so_it_is_not_asked_about_forever(engagement):
    start_paying(engagement)  # opened, never paid
    later = timezone.now() + timedelta(minutes=61)

    services.reconcile(now=later)

    payment = Payment.objects.get()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.failure_reason == "the checkout link expired unpaid"


@pytest.mark.parametrize("closed", [Payment.Status.CANCELLED, Payment.Status.FAILED])
@pytest.mark.parametrize("change", [{"amount": 1_000}, {"currency": "USD"}, {}])
def test_a_closed_checkout_paid_later_is_settled_by_its_rule_from_any_state(engagement, ada, closed, change):
    payment = services.checkout._new_payment(engagement=engagement, student=ada)
    Payment.objects.filter(pk=payment.pk).update(status=closed)

    for _ in range(2):
        payment = services.confirm_payment(
            payment=Payment.objects.get(pk=payment.pk), verification=said(payment, **change)
        )

    credited = not change
    assert payment.status == (Payment.Status.SUCCEEDED if credited else Payment.Status.FAILED)
    assert Refund.objects.count() == (0 if credited else 1)
    assert ledger.totals_by_currency().get("NGN", 0) == 0


def test_an_engagement_paid_once_in_the_wrong_currency_and_then_rightly_shows_no_false_mismatch(engagement, ada):
    wrong = services.checkout._new_payment(engagement=engagement, student=ada)
    services.confirm_payment(payment=wrong, verification=said(wrong, currency="USD"))
    Refund.objects.update(status=Refund.Status.SUCCEEDED)  # refunded in dollars
    right = services.checkout._new_payment(engagement=engagement, student=ada)

    services.confirm_payment(payment=right, verification=said(right))

    assert Escrow.objects.get().currency == "NGN"
    assert services.find_mismatches() == []
