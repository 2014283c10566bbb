"""Staff see every money record and a reconciliation report that lists differences with the gateways."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from payments.gateways import GatewayError, get_gateway
from payments.models import Payment
from payments.sandbox.models import SandboxCharge

pytestmark = pytest.mark.django_db


def test_staff_see_a_clean_report_when_everything_matches(client, staff, completed):
    client.force_login(staff)

    page = client.get(reverse("payments_reconciliation")).text

    assert "No differences: our records match the gateways." in page
    assert "NGN: entries sum to 0 (balanced)" in page


def test_a_payment_the_gateway_no_longer_shows_as_paid_waits_for_staff(
    client, staff, funded, django_capture_on_commit_callbacks
):
    SandboxCharge.objects.update(status="failed")
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments_reconciliation"), {"action": "compare"})
    page = client.get(reverse("payments_reconciliation")).text

    reference = Payment.objects.get().reference
    assert "Waiting for staff (1)" in page
    assert "Paid in our books, not at the gateway" in page
    assert reference in page
    assert "Credited in our books; flutterwave lists it as failed." in page


def test_the_report_page_never_calls_a_gateway(client, staff, funded, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the staff page called a gateway")

    monkeypatch.setattr("payments.gateways.base.HttpApi.request", refuse)
    client.force_login(staff)

    assert client.get(reverse("payments_reconciliation")).status_code == 200


def test_staff_re_check_everything_pending_from_the_report(client, staff, engagement):
    from tests.sandbox import start_paying

    paying, checkout = start_paying(engagement)
    paying.post(checkout, {"outcome": "pay", "webhook": "drop"})
    client.force_login(staff)

    page = client.post(reverse("payments_reconciliation"), {"action": "recheck"}, follow=True).text

    assert "Re-checking everything pending with the gateways, in the background." in page
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED


def test_the_reconcile_command_reports(funded, capsys):
    call_command("reconcile_payments", "--all")

    assert "no mismatches" in capsys.readouterr().out


def test_students_and_tutors_cannot_open_the_report(client, ada, bola):
    for user in (ada, bola):
        client.force_login(user)
        assert client.get(reverse("payments_reconciliation")).status_code == 404


def test_staff_see_payments_and_the_ledger_in_the_admin(client, staff, completed):
    client.force_login(staff)

    for name in ["payment", "escrow", "ledgertransaction", "ledgerentry", "webhookevent"]:
        assert client.get(f"/admin/payments/{name}/").status_code == 200
    assert Payment.objects.get().reference in client.get("/admin/payments/payment/").text


def test_the_adapter_refuses_a_wrong_secret_key(settings):
    from payments.gateways.flutterwave import Flutterwave

    gateway = Flutterwave({**settings.FLUTTERWAVE, "SECRET_KEY": "FLWSECK_TEST-wrong"})

    with pytest.raises(GatewayError, match="Invalid authorization key"):
        gateway.list_banks(country="NG", currency="NGN")


@pytest.mark.parametrize("name", ["flutterwave", "paystack"])
def test_both_adapters_list_banks_and_resolve_accounts_in_the_sandbox(name):
    gateway = get_gateway(name)

    banks = gateway.list_banks(country="NG", currency="NGN")
    holder = gateway.resolve_account(bank_code="058", account_number="0123456780")

    assert ("058", "Guaranty Trust Bank") in [(b.code, b.name) for b in banks]
    assert holder == holder.upper() and " " in holder


def test_a_pages_of_payments_keep_the_strict_content_security_policy(client, bola, staff):
    for user, url in [(bola, reverse("earnings")), (bola, reverse("bank_account_new")), (staff, "/sandbox/")]:
        client.force_login(user)
        page = client.get(url).text
        assert "style=" not in page
        assert "<script>" not in page
