"""Webhooks the gateways (or someone with the secret) might send: odd JSON, forged twins of real events,
huge bodies, events that never settle; and staff replaying what was dead-lettered."""

import json

import pytest
from django.urls import reverse

from payments import ledger, services
from payments.gateways.flutterwave import sign as flutterwave_sign
from payments.gateways.paystack import sign as paystack_sign
from payments.models import Account, Chargeback, Payment, Payout, Refund, WebhookEvent
from payments.sandbox import events
from payments.sandbox.models import SandboxCharge, SandboxTransfer
from tests.sandbox import start_paying

pytestmark = pytest.mark.django_db

FLUTTERWAVE_HASH = "sandbox-webhook-hash"
PAYSTACK_SECRET = "sk_test_sandbox_secret_key"


def send(client, gateway: str, body: bytes):
    if gateway == "flutterwave":
        headers = {"HTTP_FLUTTERWAVE_SIGNATURE": flutterwave_sign(body, FLUTTERWAVE_HASH)}
    else:
        headers = {"HTTP_X_PAYSTACK_SIGNATURE": paystack_sign(body, PAYSTACK_SECRET)}
    return client.generic("POST", reverse("payment_webhook", args=[gateway]), body, **headers)


ODD_BODIES = [
    b'{"event":"charge.completed","data":"x"}',
    b'{"event":5}',
    b'{"event":"charge.success","data":null}',
    b"[1, 2]",
    b"null",
    b'"charge.success"',
    b'{"data":{"id":1}}',
    b"\xff\xfe not utf-8",
]


@pytest.mark.parametrize("gateway", ["flutterwave", "paystack"])
@pytest.mark.parametrize("body", ODD_BODIES)
def test_a_signed_body_of_odd_shape_gets_a_400_and_is_kept(client, gateway, body):
    response = send(client, gateway, body)

    assert response.status_code == 400
    assert "malformed event" in response.text
    kept = WebhookEvent.objects.get()
    assert kept.status == WebhookEvent.Status.MALFORMED
    assert kept.note


@pytest.mark.parametrize("gateway", ["flutterwave", "paystack"])
def test_ids_of_odd_types_are_read_as_absent_not_a_500(client, gateway, django_capture_on_commit_callbacks):
    body = json.dumps({"event": "charge.success", "data": {"id": {"x": 1}, "reference": ["EH"], "tx_ref": 3.5}})

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, gateway, body.encode())

    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED


def test_a_body_over_the_cap_is_refused_before_anything_is_stored(client, settings):
    settings.WEBHOOK_MAX_BYTES = 1_000
    body = json.dumps({"event": "charge.completed", "data": {"id": 1, "padding": "x" * 2_000}}).encode()

    response = send(client, "flutterwave", body)

    assert response.status_code == 413
    assert not WebhookEvent.objects.exists()


def test_a_forged_twin_sent_first_does_not_make_the_genuine_event_a_duplicate(
    client, engagement, django_capture_on_commit_callbacks
):
    payer, checkout = start_paying(engagement)
    charge = SandboxCharge.objects.get()
    twin = {"id": charge.pk, "tx_ref": charge.reference, "status": "successful", "note": "sent before paying"}
    with django_capture_on_commit_callbacks(execute=True):  # checked at once: the gateway says pending
        sent = send(client, "flutterwave", json.dumps({"event": "charge.completed", "data": twin}).encode())
    assert sent.status_code == 200
    assert Payment.objects.get().status == Payment.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):  # then Ada pays; the genuine webhook arrives
        payer.post(checkout, {"outcome": "pay", "webhook": "send"})

    assert WebhookEvent.objects.count() == 2
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED  # credited by it, not by a later check
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=engagement) == 400_000


def test_an_event_that_never_settles_is_dead_lettered_and_staff_replay_it(
    client, staff, ada, bola, engagement, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    client_, checkout = start_paying(engagement)
    payment = Payment.objects.get()
    body = json.dumps({"event": "charge.completed", "data": {"id": 1, "tx_ref": payment.reference}}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        send(client, "flutterwave", body)  # the gateway still says pending: nothing to credit yet
    event = WebhookEvent.objects.get()
    for _ in range(3):
        services.reconcile(everything=True)
    event.refresh_from_db()
    assert event.status == WebhookEvent.Status.DEAD
    assert event.attempts == 3
    services.reconcile(everything=True)
    event.refresh_from_db()
    assert event.attempts == 3  # no longer retried

    for person in (ada, bola):
        client.force_login(person)
        assert client.get(reverse("payment_webhooks")).status_code == 404
        assert client.post(reverse("webhook_replay", args=[event.pk])).status_code == 404
    client.force_login(staff)
    page = client.get(reverse("payment_webhooks")).text
    assert "Gave up after retries: staff may replay" in page
    assert payment.reference in page

    client_.post(checkout, {"outcome": "pay", "webhook": "drop"})  # now it is paid at the gateway
    page = client.post(reverse("webhook_replay", args=[event.pk]), {"show": "attention"}, follow=True).text

    event.refresh_from_db()
    assert event.status == WebhookEvent.Status.PROCESSED
    assert "Replayed charge.completed: now processed" in page
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    again = client.post(reverse("webhook_replay", args=[event.pk]), follow=True).text
    assert "only a dead, failed or ignored event can be replayed" in again


def test_a_paystack_reversal_webhook_returns_the_payout_to_the_tutor(
    settings, bola, completed, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "paystack"
    account = services.add_bank_account(user=bola, currency="NGN", bank_code="058", account_number="0123456780")
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.request_payout(tutor=bola, bank_account=account, amount=340_000)
    services.reconcile(everything=True)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED

    with django_capture_on_commit_callbacks(execute=True):
        events.reverse_transfer(SandboxTransfer.objects.get())

    payout.refresh_from_db()
    assert payout.status == Payout.Status.REVERSED
    assert ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=bola) == 340_000


def test_a_dashboard_refund_webhook_is_booked_at_once(funded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.refund_at_gateway(SandboxCharge.objects.get(), amount=10_000)

    refund = Refund.objects.get()
    assert (refund.amount, refund.booked_as_owed) == (10_000, False)
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED


def test_a_paystack_dispute_webhook_freezes_the_amount(settings, engagement, django_capture_on_commit_callbacks):
    settings.PAYMENT_GATEWAY = "paystack"
    client, checkout = start_paying(engagement)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(checkout, {"outcome": "pay", "webhook": "send"})

        events.open_chargeback(SandboxCharge.objects.get(), amount=100_000)

    assert Chargeback.objects.get().amount == 100_000
    assert ledger.balance(account=Account.CHARGEBACK_FROZEN, currency="NGN") == 100_000


def test_a_signature_header_of_any_characters_is_refused_not_a_500(client):
    body = b'{"event":"charge.completed","data":{"id":1}}'
    for gateway, header in [("flutterwave", "HTTP_VERIF_HASH"), ("paystack", "HTTP_X_PAYSTACK_SIGNATURE")]:
        response = client.generic("POST", reverse("payment_webhook", args=[gateway]), body, **{header: "é" * 8})

        assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_handler_that_keeps_crashing_counts_its_tries_and_ends_dead(
    client, settings, engagement, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    start_paying(engagement)

    def crash(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("payments.services.webhooks.confirm_payment", crash)
    body = json.dumps({"event": "charge.completed", "data": {"id": 1, "tx_ref": Payment.objects.get().reference}})
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, "flutterwave", body.encode()).status_code == 200
    services.reconcile(everything=True)

    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (WebhookEvent.Status.DEAD, 2)
    assert "processing failed (RuntimeError)" in event.note
