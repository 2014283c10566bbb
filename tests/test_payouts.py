"""Bola adds a bank account (checked by name first), sees his balances and statement, and gets paid out."""

import httpx
import pytest
from django.urls import reverse

from notifications.models import Notification
from payments import ledger, services
from payments.gateways import GatewayError, get_gateway
from payments.gateways import base as gateway_base
from payments.gateways.base import TransferResult
from payments.models import Account, BankAccount, Payout
from payments.sandbox.core import inject_fault
from payments.sandbox.models import SandboxTransfer

pytestmark = pytest.mark.django_db

GTB = "058"


def save_account(bola, number="0123456780") -> BankAccount:
    return services.add_bank_account(user=bola, currency="NGN", bank_code=GTB, account_number=number)


def available(user) -> int:
    return ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=user)


def test_the_bank_list_comes_from_the_gateway(client, bola):
    client.force_login(bola)

    page = client.get(reverse("bank_account_new")).text

    assert '<option value="058">Guaranty Trust Bank</option>' in page


def test_the_account_holders_name_is_shown_before_saving(client, bola):
    client.force_login(bola)

    page = client.post(
        reverse("bank_account_new"), {"currency": "NGN", "bank_code": GTB, "account_number": "0123456780"}
    )

    assert "The bank says this account belongs to" in page.text
    assert "Save this account" in page.text
    assert not BankAccount.objects.exists()


def test_saving_checks_the_account_again_on_the_server(client, bola):
    client.force_login(bola)
    fields = {"currency": "NGN", "bank_code": GTB, "account_number": "0123456780", "account_name": "FORGED"}

    page = client.post(reverse("bank_account_new"), {**fields, "step": "save"}, follow=True)

    account = BankAccount.objects.get()
    assert account.account_name != "FORGED"
    assert account.account_name in page.text


@pytest.mark.parametrize(
    ("number", "bank", "message"),
    [
        ("12345", GTB, "digits only, 10 for a Nigerian"),
        ("0000000000", GTB, "couldn&#x27;t find that account at Guaranty Trust Bank"),
        ("0123456780", "999", "Pick your bank from the list"),
    ],
)
def test_an_account_that_does_not_resolve_is_not_saved(client, bola, number, bank, message):
    client.force_login(bola)

    page = client.post(
        reverse("bank_account_new"), {"currency": "NGN", "bank_code": bank, "account_number": number, "step": "save"}
    )

    assert page.status_code == 400
    assert message in page.text
    assert not BankAccount.objects.exists()


def test_the_earnings_page_shows_held_available_and_paid_out(client, bola, delivered):
    client.force_login(bola)

    held = client.get(reverse("earnings")).text
    services.approve_and_release(engagement=delivered, by=delivered.student)
    released = client.get(reverse("earnings")).text

    assert "Held in escrow</dt><dd>₦4,000" in held
    assert "Available</dt><dd>₦3,400" in released
    assert "Released from escrow" in released and "+₦3,400" in released


def test_a_payout_goes_out_as_a_transfer_and_shows_paid(client, bola, completed, django_capture_on_commit_callbacks):
    account = save_account(bola)
    client.force_login(bola)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("payout_request"), {"bank_account": account.pk, "amount": "3,400"}, follow=True)

    assert "Payout of ₦3,400 requested" in page.text
    assert Payout.objects.get().status == Payout.Status.SUCCEEDED
    assert "Paid out</dt><dd>₦3,400" in client.get(reverse("earnings")).text
    assert available(bola) == 0
    assert SandboxTransfer.objects.get().amount == 340_000
    assert ledger.totals_by_currency() == {"NGN": 0}
    assert Notification.objects.filter(user=bola, kind="payout_sent", title__contains="₦3,400").exists()


def test_a_payout_above_the_available_balance_is_refused(client, bola, completed):
    account = save_account(bola)
    client.force_login(bola)

    page = client.post(reverse("payout_request"), {"bank_account": account.pk, "amount": "3401"})

    assert page.status_code == 400
    assert "You can withdraw at most ₦3,400." in page.text
    assert not Payout.objects.exists()


def test_a_payout_to_someone_elses_account_is_refused(client, bola, chen, completed):
    chens = save_account(chen)
    client.force_login(bola)

    page = client.post(reverse("payout_request"), {"bank_account": chens.pk, "amount": "1000"})

    assert page.status_code == 400
    assert not Payout.objects.exists()


def test_a_failed_transfer_returns_the_money_to_the_balance(
    client, bola, completed, django_capture_on_commit_callbacks
):
    account = save_account(bola, number="0123456789")  # the sandbox's banks bounce accounts ending in 9
    client.force_login(bola)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payout_request"), {"bank_account": account.pk, "amount": "3400"})

    page = client.get(reverse("earnings")).text
    assert "Failed, returned to your balance" in page
    assert "Available</dt><dd>₦3,400" in page
    assert available(bola) == 340_000
    assert Notification.objects.filter(user=bola, kind="payout_failed").exists()


def test_a_timeout_while_paying_out_is_recovered_without_paying_twice(
    bola, completed, django_capture_on_commit_callbacks
):
    account = save_account(bola)
    inject_fault(gateway="flutterwave", operation="transfer", mode="timeout")

    with django_capture_on_commit_callbacks(execute=False):  # no webhook: only reconciliation can tell
        payout = services.request_payout(tutor=bola, bank_account=account, amount=340_000)
    services.send_payout(payout_id=payout.pk)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PENDING

    for _ in range(3):
        services.reconcile(everything=True)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED
    assert SandboxTransfer.objects.count() == 1
    assert ledger.balance(account=Account.TUTOR_PAID_OUT, currency="NGN", user=bola) == 340_000


def test_sending_a_payout_twice_pays_once(bola, completed):
    payout = services.request_payout(tutor=bola, bank_account=save_account(bola), amount=100_000)

    for _ in range(3):
        services.send_payout(payout_id=payout.pk)

    assert SandboxTransfer.objects.count() == 1
    assert ledger.balance(account=Account.TUTOR_PAID_OUT, currency="NGN", user=bola) == 100_000


def test_paystack_payouts_use_a_transfer_recipient(settings, bola, completed):
    settings.PAYMENT_GATEWAY = "paystack"
    account = save_account(bola)

    payout = services.request_payout(tutor=bola, bank_account=account, amount=100_000)
    services.send_payout(payout_id=payout.pk)  # queued at the bank
    services.reconcile(everything=True)  # and asked again later

    payout.refresh_from_db()
    assert account.recipient_code.startswith("RCP_")
    assert payout.status == Payout.Status.SUCCEEDED


def test_strangers_see_no_earnings_or_bank_accounts(client, ada, dayo, chen, bola, completed):
    account = save_account(bola)
    client.force_login(ada)
    assert client.get(reverse("earnings")).status_code == 404
    client.force_login(chen)
    assert "₦3,400" not in client.get(reverse("earnings")).text
    assert client.post(reverse("bank_account_delete", args=[account.pk])).status_code == 404
    assert BankAccount.objects.filter(pk=account.pk).exists()


def test_a_transfer_looked_up_by_reference_is_ours_even_if_the_list_is_not_filtered(monkeypatch):
    """Flutterwave's transfer list is asked for our reference; should it answer with other transfers
    too, another payout's successful transfer must not mark ours as paid."""

    def unfiltered_list(request: httpx.Request) -> httpx.Response:
        others = [{"id": 7, "reference": "EH-T9-other", "status": "SUCCESSFUL"}]
        ours = [{"id": 8, "reference": "EH-T3-ours", "status": "FAILED"}] if "ours" in str(request.url) else []
        return httpx.Response(200, json={"status": "success", "message": "Transfers fetched", "data": others + ours})

    monkeypatch.setattr(gateway_base, "TRANSPORT", httpx.MockTransport(unfiltered_list))
    flutterwave = get_gateway("flutterwave")

    assert flutterwave.transfer_status(reference="EH-T3-ours").status == "failed"
    assert flutterwave.transfer_status(reference="EH-T3-ours").gateway_id == "8"
    assert flutterwave.transfer_status(reference="EH-T5-unsent").status == "unknown"


def test_a_repeat_request_refused_as_a_duplicate_is_not_taken_for_a_failed_payout(
    bola, completed, monkeypatch, django_capture_on_commit_callbacks
):
    """The first transfer went out, but the lookup by reference can't see it (the gateway's list
    lags, or ignores the filter). The second request is refused as a duplicate: that must not hand
    the money back to the tutor while the first transfer pays it out."""
    with django_capture_on_commit_callbacks(execute=False):
        payout = services.request_payout(tutor=bola, bank_account=save_account(bola), amount=340_000)
    services.send_payout(payout_id=payout.pk)
    assert SandboxTransfer.objects.count() == 1
    flutterwave = type(get_gateway("flutterwave"))
    monkeypatch.setattr(
        flutterwave,
        "transfer_status",
        lambda self, *, reference, gateway_id="": TransferResult(reference=reference, gateway_id="", status="unknown"),
    )
    Payout.objects.filter(pk=payout.pk).update(gateway_id="")

    services.send_payout(payout_id=payout.pk)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PENDING
    assert available(bola) == 0  # still on its way, not back in the balance
    assert SandboxTransfer.objects.count() == 1


def test_a_first_request_the_bank_refuses_fails_the_payout_and_returns_the_money(bola, completed, monkeypatch):
    def refused(self, **kwargs):
        raise GatewayError("Invalid account number")

    monkeypatch.setattr(type(get_gateway("flutterwave")), "transfer", refused)
    payout = services.request_payout(tutor=bola, bank_account=save_account(bola), amount=340_000)

    services.send_payout(payout_id=payout.pk)

    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED
    assert available(bola) == 340_000
