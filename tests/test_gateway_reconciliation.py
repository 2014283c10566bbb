"""The comparison with the gateway's own records: each class of difference settled by its rule or left
for staff, run twice with the same outcome, and the books equal to what the gateway holds."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from engagements.models import Engagement
from payments import ledger, services
from payments.models import AT_GATEWAY, Account, Chargeback, Discrepancy, Payment, Payout, Refund
from payments.sandbox import events, holdings
from payments.sandbox.models import SandboxCharge, SandboxTransfer
from tests.sandbox import start_paying

pytestmark = pytest.mark.django_db


def compare() -> str:
    """What staff start from the reconciliation page; run here and now (the task runs inline in tests)."""
    run = services.start_comparison()
    return services.compare_with_gateways(run_id=run.pk).status


def books_at_gateway(currency: str = "NGN") -> int:
    return sum(ledger.balance(account=account, currency=currency) for account in AT_GATEWAY)


def assert_books_match_the_gateway() -> None:
    assert ledger.totals_by_currency().get("NGN", 0) == 0
    assert books_at_gateway() == holdings("flutterwave").get("NGN", 0)


def test_an_unchanged_gateway_leaves_nothing_to_do_and_a_second_run_changes_nothing(completed):
    assert compare() == "finished"
    before = ledger.totals_by_currency(), Discrepancy.objects.count()

    assert compare() == "finished"

    assert (ledger.totals_by_currency(), Discrepancy.objects.count()) == before == ({"NGN": 0}, 0)
    assert_books_match_the_gateway()


def test_a_refund_made_on_the_gateways_dashboard_is_booked_and_shown_to_staff(client, staff, funded):
    events.refund_at_gateway(SandboxCharge.objects.get(), amount=10_000)

    compare()
    compare()

    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.booked_as_owed) == (10_000, Refund.Status.SUCCEEDED, False)
    found = Discrepancy.objects.get()
    assert (found.kind, found.state, found.amount) == ("refund_elsewhere", "needs_staff", 10_000)
    assert_books_match_the_gateway()
    client.force_login(staff)
    page = client.get(reverse("payments_reconciliation")).text
    assert "Refund made outside the site" in page
    assert "₦100" in page


def test_a_refund_refused_after_a_dashboard_refund_keeps_the_money_held_until_staff_act(
    funded, django_capture_on_commit_callbacks
):
    events.refund_at_gateway(SandboxCharge.objects.get(), amount=10_000)
    compare()  # the dashboard refund is booked first

    with django_capture_on_commit_callbacks(execute=True):  # the refund task runs once the cancel commits
        services.cancel_and_refund(engagement=funded, by=funded.tutor, reason="cannot do it")

    refund = Refund.objects.get(booked_as_owed=True)
    assert refund.status == Refund.Status.FAILED
    assert ledger.balance(account=Account.REFUNDS_OWED, currency="NGN") == 400_000
    assert Discrepancy.objects.get(kind="refund_refused").state == "needs_staff"
    assert_books_match_the_gateway()


def test_a_payment_made_on_a_closed_checkout_after_the_work_lapsed_is_refunded(
    client, engagement, django_capture_on_commit_callbacks
):
    client, checkout = start_paying(engagement, client)
    Payment.objects.update(status=Payment.Status.CANCELLED)  # closed on our side; the tab stays open
    services.cancel_and_refund(engagement=engagement, by=engagement.tutor, reason="no longer available")
    client.post(checkout, {"outcome": "pay", "webhook": "drop"})  # paid anyway, no webhook, tab closed

    with django_capture_on_commit_callbacks(execute=True):
        compare()

    payment = Payment.objects.get()
    assert payment.status == Payment.Status.DUPLICATE
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert Discrepancy.objects.get().kind == "late_capture"
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.CANCELLED
    assert_books_match_the_gateway()


def paid_out(bola, django_capture_on_commit_callbacks) -> Payout:
    account = services.add_bank_account(user=bola, currency="NGN", bank_code="058", account_number="0123456780")
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.request_payout(tutor=bola, bank_account=account, amount=340_000)
    services.reconcile(everything=True)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED
    return payout


def test_a_paid_transfer_the_bank_reverses_returns_to_the_tutors_balance(
    bola, completed, django_capture_on_commit_callbacks
):
    payout = paid_out(bola, django_capture_on_commit_callbacks)
    events.reverse_transfer(SandboxTransfer.objects.get())

    compare()

    payout.refresh_from_db()
    assert payout.status == Payout.Status.REVERSED
    assert ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=bola) == 340_000
    assert ledger.balance(account=Account.TUTOR_PAID_OUT, currency="NGN", user=bola) == 0
    assert Discrepancy.objects.get().kind == "transfer_reversed"
    assert_books_match_the_gateway()


def test_the_transfer_fee_the_gateway_reports_is_booked(bola, completed, django_capture_on_commit_callbacks):
    payout = paid_out(bola, django_capture_on_commit_callbacks)

    compare()

    payout.refresh_from_db()
    fee = SandboxTransfer.objects.get().fee
    assert fee > 0
    assert payout.fee == fee
    assert ledger.balance(account=Account.GATEWAY_FEES, currency="NGN") == Payment.objects.get().fee + fee
    assert_books_match_the_gateway()


@pytest.mark.parametrize("won", [True, False])
def test_a_chargeback_freezes_its_amount_until_the_bank_decides(client, staff, completed, won):
    chargeback = events.open_chargeback(SandboxCharge.objects.get(), amount=150_000)

    compare()

    assert ledger.balance(account=Account.CHARGEBACK_FROZEN, currency="NGN") == 150_000
    assert Discrepancy.objects.get().kind == "chargeback"
    assert_books_match_the_gateway()
    client.force_login(staff)
    assert "₦1,500 frozen by Flutterwave" in client.get(reverse("payments_reconciliation")).text

    events.close_chargeback(chargeback, won=won)
    compare()

    assert Chargeback.objects.get().status == ("won" if won else "lost")
    assert ledger.balance(account=Account.CHARGEBACK_FROZEN, currency="NGN") == 0
    assert ledger.balance(account=Account.CHARGEBACKS_LOST, currency="NGN") == (0 if won else 150_000)
    assert_books_match_the_gateway()


def test_money_the_books_dont_know_waits_for_staff(completed):
    SandboxCharge.objects.update(reference="SOMEONE-ELSE-1")

    compare()

    kinds = set(Discrepancy.objects.values_list("kind", flat=True))
    assert kinds == {"unknown_charge", "missing_at_gateway"}


def test_staff_resolve_a_difference_with_a_note_and_others_cannot(client, staff, ada, bola, funded):
    events.refund_at_gateway(SandboxCharge.objects.get(), amount=10_000)
    compare()
    found = Discrepancy.objects.get()
    url = reverse("discrepancy_resolve", args=[found.pk])

    for person in (ada, bola):
        client.force_login(person)
        assert client.post(url, {"note": "mine now"}).status_code == 404
    client.force_login(staff)
    page = client.post(url, {"note": ""}, follow=True).text
    assert "Say what you did about it" in page
    found.refresh_from_db()
    assert found.state == "needs_staff"

    page = client.post(url, {"note": "Took ₦100 off the tutor's share by agreement."}, follow=True).text

    found.refresh_from_db()
    assert found.state == "resolved"
    assert found.resolved_by == staff
    assert "Nothing waits for staff" in page


def test_the_command_runs_a_comparison_and_says_what_it_found(completed, capsys):
    call_command("compare_payments")

    assert "Finished: " in capsys.readouterr().out


def test_one_comparison_at_a_time(staff, client, funded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.start_comparison(by=staff)
        second = services.start_comparison(by=staff)

    assert first.pk == second.pk


def test_the_staff_page_costs_the_same_queries_for_one_difference_or_many(
    client, staff, funded, django_assert_num_queries, django_assert_max_num_queries
):
    charge = SandboxCharge.objects.get()
    events.refund_at_gateway(charge, amount=10_000)
    compare()
    client.force_login(staff)
    client.get(reverse("payments_reconciliation"))  # sessions and caches warmed
    with django_assert_max_num_queries(40) as one:
        client.get(reverse("payments_reconciliation"))
    expected = len(one.captured_queries)  # read now: later requests reset the connection's query log
    events.refund_at_gateway(charge, amount=5_000)
    events.open_chargeback(charge, amount=20_000)
    compare()

    with django_assert_num_queries(expected):
        page = client.get(reverse("payments_reconciliation")).text
    assert "Waiting for staff (3)" in page
