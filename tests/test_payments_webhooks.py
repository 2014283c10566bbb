"""Webhooks: signed like the real ones, stored raw once, processed by a task that asks the gateway again."""

import json

import pytest
from django.urls import reverse

from engagements.models import Engagement
from payments import ledger
from payments.gateways.flutterwave import sign as flutterwave_sign
from payments.gateways.paystack import sign as paystack_sign
from payments.models import Account, Payment, WebhookEvent
from payments.sandbox.models import SandboxWebhook
from payments.sandbox.tasks import deliver_delayed
from tests.sandbox import start_paying

pytestmark = pytest.mark.django_db


def paid_at_gateway(engagement, *, webhook: str, capture) -> Payment:
    """Ada pays on the hosted page but never comes back to the site: only the webhook tells us."""
    client, checkout = start_paying(engagement)
    with capture(execute=True):
        client.post(checkout, {"outcome": "pay", "webhook": webhook})
    return Payment.objects.get()


def replay(client, hook: SandboxWebhook):
    return client.generic("POST", hook.url.replace("http://testserver", ""), hook.body, **http_headers(hook.headers))


def http_headers(headers: dict) -> dict:
    return {
        "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items() if name != "content-type"
    }


def test_the_webhook_alone_credits_a_payment_after_asking_the_gateway(engagement, django_capture_on_commit_callbacks):
    payment = paid_at_gateway(engagement, webhook="send", capture=django_capture_on_commit_callbacks)

    payment.refresh_from_db()
    engagement.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert engagement.status == Engagement.Status.IN_PROGRESS
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED


def test_a_webhook_replayed_ten_times_has_one_effect(client, engagement, django_capture_on_commit_callbacks):
    paid_at_gateway(engagement, webhook="send", capture=django_capture_on_commit_callbacks)
    hook = SandboxWebhook.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        answers = {replay(client, hook).status_code for _ in range(10)}

    assert answers == {200}
    assert WebhookEvent.objects.count() == 1
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_duplicate_webhooks_from_the_gateway_are_stored_once(engagement, django_capture_on_commit_callbacks):
    paid_at_gateway(engagement, webhook="duplicate", capture=django_capture_on_commit_callbacks)

    assert SandboxWebhook.objects.filter(response_status=200).count() == 2
    assert WebhookEvent.objects.count() == 1
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED


def test_a_late_webhook_after_the_return_page_changes_nothing(engagement, django_capture_on_commit_callbacks):
    client, checkout = start_paying(engagement)
    back = client.post(checkout, {"outcome": "pay", "webhook": "delay"})
    client.get(back["Location"].replace("http://testserver", ""))  # the return page credits it first

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_delayed() == 1

    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000


def test_events_out_of_order_end_in_the_gateways_truth(client, engagement, django_capture_on_commit_callbacks):
    """A 'failed' event arriving after the success (or forged as older) can't undo a verified payment."""
    paid_at_gateway(engagement, webhook="send", capture=django_capture_on_commit_callbacks)
    event = json.loads(SandboxWebhook.objects.get().body)
    event["data"]["status"] = "failed"
    body = json.dumps(event).encode()
    secret = "sandbox-webhook-hash"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic(
            "POST",
            reverse("payment_webhook", args=["flutterwave"]),
            body,
            HTTP_VERIF_HASH=secret,
            HTTP_FLUTTERWAVE_SIGNATURE=flutterwave_sign(body, secret),
        )

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 2
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_VERIF_HASH": "guessed"},
        {"HTTP_VERIF_HASH": "sandbox-webhook-hash", "HTTP_FLUTTERWAVE_SIGNATURE": "Zm9yZ2Vk"},
    ],
)
def test_a_forged_flutterwave_webhook_is_refused_and_nothing_is_written(client, engagement, headers):
    body = json.dumps({"event": "charge.completed", "data": {"id": 1, "tx_ref": "x", "status": "successful"}})

    response = client.generic("POST", reverse("payment_webhook", args=["flutterwave"]), body, **headers)

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_forged_paystack_webhook_is_refused(client):
    body = json.dumps({"event": "charge.success", "data": {"id": 1, "reference": "x"}}).encode()

    response = client.generic(
        "POST",
        reverse("payment_webhook", args=["paystack"]),
        body,
        HTTP_X_PAYSTACK_SIGNATURE=paystack_sign(body, "wrong"),
    )

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_malformed_body_with_a_valid_secret_is_refused_and_kept_for_inspection(client):
    response = client.generic(
        "POST", reverse("payment_webhook", args=["flutterwave"]), b"not json", HTTP_VERIF_HASH="sandbox-webhook-hash"
    )

    assert response.status_code == 400
    kept = WebhookEvent.objects.get()
    assert (kept.status, kept.body) == (WebhookEvent.Status.MALFORMED, "not json")


def test_an_unknown_reference_is_stored_and_ignored(client, django_capture_on_commit_callbacks):
    body = json.dumps({"event": "charge.success", "data": {"id": 9, "reference": "EH-nobody"}}).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic(
            "POST",
            reverse("payment_webhook", args=["paystack"]),
            body,
            HTTP_X_PAYSTACK_SIGNATURE=paystack_sign(body, "sk_test_sandbox_secret_key"),
        )

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.status, event.note) == (WebhookEvent.Status.IGNORED, "unknown reference")
    assert event.body == body.decode()


def test_paystack_webhooks_credit_a_payment_too(settings, engagement, django_capture_on_commit_callbacks):
    settings.PAYMENT_GATEWAY = "paystack"

    payment = paid_at_gateway(engagement, webhook="send", capture=django_capture_on_commit_callbacks)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert WebhookEvent.objects.get().gateway == "paystack"
