"""Twenty requests at once on the same money: exactly one effect, and the books still balance.

Real threads with their own database connections (PostgreSQL row locks; on SQLite, writers queue)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from engagements import services as engagement_services
from payments import ledger, services
from payments.models import Account, BankAccount, Escrow, LedgerTransaction, Payment, Payout, Refund
from tests.sandbox import start_paying
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 20


def race(actions) -> list:
    return at_once(actions, expected=(ValidationError, PermissionDenied))


def refused(results) -> int:
    return sum(isinstance(r, ValidationError | PermissionDenied) for r in results)


def test_twenty_simultaneous_verifications_credit_once(engagement):
    client, checkout = start_paying(engagement)
    client.post(checkout, {"outcome": "pay", "webhook": "drop"})  # paid; nobody has verified yet
    pk = Payment.objects.get().pk

    race([lambda: services.confirm_payment(payment=Payment.objects.get(pk=pk))] * THREADS)

    assert Escrow.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="payment").count() == 1
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_twenty_staff_decisions_on_one_dispute_move_the_money_once(ada, staff, delivered):
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="wrong")
    outcomes = ["release", "refund"] * (THREADS // 2)

    results = race([lambda o=o: services.resolve_dispute(engagement=delivered, by=staff, outcome=o) for o in outcomes])

    assert refused(results) == THREADS - 1
    assert Escrow.objects.get().status in (Escrow.Status.RELEASED, Escrow.Status.REFUNDED)
    assert LedgerTransaction.objects.filter(idempotency_key__startswith="escrow:").count() == 1
    assert Refund.objects.count() <= 1
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_twenty_approvals_at_once_release_once(ada, bola, delivered):
    results = race([lambda: services.approve_and_release(engagement=delivered, by=ada)] * THREADS)

    assert refused(results) == THREADS - 1
    assert ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=bola) == 340_000


def test_twenty_payouts_of_the_whole_balance_pay_once(bola, completed):
    account = BankAccount.objects.create(
        user=bola,
        gateway="flutterwave",
        currency="NGN",
        bank_code="058",
        bank_name="GTB",
        account_number="0123456780",
        account_name="BOLA ADEYEMI",
    )

    results = race([lambda: services.request_payout(tutor=bola, bank_account=account, amount=340_000)] * THREADS)

    assert refused(results) == THREADS - 1
    assert Payout.objects.count() == 1
    assert ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=bola) == 0
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_twenty_simultaneous_pay_taps_leave_one_live_checkout(engagement):
    start = lambda: services.start_checkout(  # noqa: E731
        engagement=engagement, by=engagement.student, return_url=lambda ref: f"http://testserver/return/{ref}/"
    )

    results = race([start] * THREADS)

    links = {r.checkout_url for r in results if isinstance(r, Payment)}
    assert Payment.objects.filter(status=Payment.Status.PENDING).count() == 1
    assert links == {Payment.objects.get(status=Payment.Status.PENDING).checkout_url}
    opening = [r for r in results if isinstance(r, ValidationError)]
    assert all(r.messages == ["Your checkout is opening. Wait a moment, then press Pay again."] for r in opening)
