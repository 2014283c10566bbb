"""The sandbox's pages: the hosted checkout (reachable by its token, returning only to this site, paying
nothing when it fails), the staff-only control page, and the address commands reach it at."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from payments.gateways import get_gateway
from payments.sandbox import views
from payments.sandbox.models import SandboxCharge, SandboxChargeback, SandboxFault, SandboxRefund
from tests.sandbox import path_of
from tests.test_sandbox_contract import paid_charge

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def open_checkout(name: str, *, redirect_url: str, reference: str = "EH-PAGE-1") -> str:
    link = get_gateway(name).checkout(
        reference=reference,
        amount=500_000,
        currency="NGN",
        email="ada@example.com",
        name="Ada",
        redirect_url=redirect_url,
        title="Algebra",
    )
    return path_of(link)


def paystack_checkout_without_callback() -> str:
    """Paystack's callback_url is optional (the dashboard's is used, or none)."""
    body = {"email": "ada@example.com", "amount": 500_000, "currency": "NGN", "reference": "EH-NOCB"}
    key = settings.PAYSTACK["SECRET_KEY"]
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        "/sandbox/paystack/transaction/initialize", body, content_type="application/json"
    )
    return path_of(answer.json()["data"]["authorization_url"])


def test_a_paystack_checkout_without_a_callback_url_pays_and_says_so_instead_of_failing():
    checkout = paystack_checkout_without_callback()

    page = Client().post(checkout, {"outcome": "pay", "webhook": "drop"})

    assert page.status_code == 200
    assert "you can close this page" in page.text
    assert SandboxCharge.objects.get(reference="EH-NOCB").status == "success"


def test_a_checkout_page_that_fails_pays_nothing(monkeypatch):
    checkout = open_checkout("flutterwave", redirect_url="http://testserver/back")

    def broken(charge):
        raise RuntimeError("the page broke after the customer paid")

    monkeypatch.setattr(views, "back_to_merchant", broken)
    page = Client(raise_request_exception=False).post(checkout, {"outcome": "pay", "webhook": "send"})

    assert page.status_code == 500
    charge = SandboxCharge.objects.get(reference="EH-PAGE-1")
    assert (charge.status, charge.paid_amount) == ("pending", 0)


@pytest.mark.parametrize("name", ["flutterwave", "paystack"])
def test_the_checkout_refuses_to_send_the_customer_to_another_site(name):
    checkout = open_checkout(name, redirect_url="https://evil.example/collect")

    shown = Client().get(checkout)
    tried = Client().post(checkout, {"outcome": "pay", "webhook": "drop"})

    assert shown.status_code == tried.status_code == 400
    assert "This payment link can't be used" in shown.text
    assert "Nothing was charged" in shown.text
    assert "evil.example" not in tried.get("Location", "")
    assert SandboxCharge.objects.get(reference="EH-PAGE-1").paid_amount == 0


@pytest.mark.parametrize(
    "back",
    [
        "/payments/return/EH-PAGE-1/",  # a path on this site
        "http://testserver/payments/return/EH-PAGE-1/",  # the host serving the page
        "http://127.0.0.1:8000/payments/return/EH-PAGE-1/?from=checkout",  # SITE_URL's host
    ],
)
def test_the_checkout_returns_to_this_site(back):
    checkout = open_checkout("flutterwave", redirect_url=back)

    answer = Client().post(checkout, {"outcome": "pay", "webhook": "drop"})

    assert answer.status_code == 302
    assert answer["Location"].startswith(back)
    assert "tx_ref=EH-PAGE-1" in answer["Location"]


def test_the_hosted_checkout_needs_no_account_only_its_token():
    checkout = open_checkout("paystack", redirect_url="http://testserver/back")

    assert Client().get(checkout).status_code == 200
    assert Client().get(checkout.replace("/checkout/", "/checkout/x")).status_code == 404


@pytest.mark.parametrize(
    "answer_for",
    [
        lambda client, ada, staff: (client, 302, "/login/"),
        lambda client, ada, staff: (client.force_login(ada) or client, 404, ""),
    ],
    ids=["anonymous", "student"],
)
def test_the_control_page_is_for_staff_only(client, ada, staff, answer_for):
    client, status, where = answer_for(client, ada, staff)

    page = client.get("/sandbox/")
    armed = client.post("/sandbox/", {"gateway": "paystack", "operation": "verify", "mode": "error", "times": 1})

    assert page.status_code == armed.status_code == status
    assert where in page.get("Location", "")
    assert not SandboxFault.objects.exists()


def test_staff_arm_faults_on_the_new_list_operations(client, staff):
    client.force_login(staff)

    page = client.post(
        "/sandbox/",
        {"gateway": "flutterwave", "operation": "chargeback_list", "mode": "error", "times": 1},
        follow=True,
    )

    assert "Fault armed." in page.text
    assert SandboxFault.objects.get().operation == "chargeback_list"


def settings_seen(env: dict) -> str:
    """The sandbox address a management command run with these variables calls."""
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "SANDBOX_URL", "FLUTTERWAVE_BASE_URL")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.FLUTTERWAVE['BASE_URL'])"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "experthive.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return result.stdout.strip()


def test_commands_reach_the_sandbox_where_the_server_listens_not_at_site_urls_port():
    seen = settings_seen({"SITE_URL": "https://tutors.example.ng", "SANDBOX_URL": "http://127.0.0.1:8123"})

    assert seen == "http://127.0.0.1:8123/sandbox/flutterwave/v3"


def test_without_a_served_address_the_sandbox_is_at_site_url():
    assert settings_seen({"SITE_URL": "http://127.0.0.1:8000"}) == "http://127.0.0.1:8000/sandbox/flutterwave/v3"


def test_bin_serve_exports_the_address_daphne_listens_on():
    script = (ROOT / "bin" / "serve").read_text()

    assert 'export SANDBOX_URL="http://127.0.0.1:$port"' in script
    assert '-b 127.0.0.1 -p "$port"' in script
    exported, served = script.index("export SANDBOX_URL"), script.index("manage.py db_worker")
    assert exported < served  # the worker and the clock started below inherit it


def test_staff_play_the_providers_side_from_the_control_page(client, staff):
    charge = paid_charge("paystack", "EH-CTRL")
    client.force_login(staff)

    refunded = client.post("/sandbox/", {"event": "refund", "pk": charge.pk, "amount": "1,000"}, follow=True)
    opened = client.post("/sandbox/", {"event": "chargeback", "pk": charge.pk, "amount": ""}, follow=True)
    chargeback = SandboxChargeback.objects.get()
    won = client.post("/sandbox/", {"event": "won", "pk": chargeback.pk}, follow=True)
    again = client.post("/sandbox/", {"event": "lost", "pk": chargeback.pk}, follow=True)

    assert "Refunded on the dashboard." in refunded.text
    refund = SandboxRefund.objects.get()
    assert (refund.amount, refund.source) == (100_000, SandboxRefund.Source.DASHBOARD)
    assert "Chargeback opened." in opened.text
    assert "Chargeback closed: won." in won.text
    assert "This chargeback is already won by the merchant." in again.text
    chargeback.refresh_from_db()
    assert (chargeback.amount, chargeback.status) == (500_000, "won")
