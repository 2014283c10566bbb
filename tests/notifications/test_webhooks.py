"""Delivery reports and opt-outs from the providers; forged or malformed ones change nothing."""

import json
from datetime import time

import pytest

from notifications import sms
from notifications.models import OutboundMessage, QuietHours, SmsOptOut
from notifications.services import deliver_due_messages, notify
from notifications.sms.termii import sign as termii_signature
from notifications.sms.twilio import sign as twilio_signature
from tests.notifications.test_notify import CONTEXT

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
TOKEN = "at-callback-token-0123456789"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.TERMII_SECRET_KEY = "termii-secret"
    settings.TWILIO_AUTH_TOKEN = "twilio-token"
    settings.AFRICASTALKING_WEBHOOK_TOKEN = TOKEN
    settings.SITE_URL = "https://experthive.ng"


@pytest.fixture
def sent_sms(verified_bola, after_commit):
    """Bola's payout SMS, accepted by the provider as message 'PROVIDER-ID'."""

    def sent_by(provider: str) -> OutboundMessage:
        with after_commit():
            notify(verified_bola, "payout_sent", **CONTEXT)
        message = OutboundMessage.objects.get(channel="sms")
        OutboundMessage.objects.filter(pk=message.pk).update(provider=provider, provider_message_id="PROVIDER-ID")
        return message

    return sent_by


def status_of(message: OutboundMessage) -> str:
    message.refresh_from_db()
    return message.status


def post_termii(client, report: dict, *, secret: str = "termii-secret"):  # noqa: S107
    body = json.dumps(report).encode()
    return client.post(
        "/webhooks/sms/termii/",
        body,
        content_type="application/json",
        headers={"X-Termii-Signature": termii_signature(body, secret)},
    )


TERMII_DELIVERED = {
    "type": "outbound",
    "id": "27467d9e-fbd2-4b66-9b0a-4b2c8d3b5c1a",
    "message_id": "PROVIDER-ID",
    "receiver": "2348051234567",
    "sender": "ExpertHive",
    "message": "Expert Hive: your payout ...",
    "sent_at": "2026-03-10 12:00:05",
    "cost": "4.50",
    "status": "DELIVERED",
    "channel": "dnd",
}


def test_a_signed_termii_delivery_report_marks_the_sms_delivered(client, sent_sms):
    message = sent_sms("termii")

    response = post_termii(client, TERMII_DELIVERED)

    assert response.status_code == 200
    assert status_of(message) == Status.DELIVERED


def test_a_termii_report_of_failure_records_the_reason(client, sent_sms):
    message = sent_sms("termii")

    post_termii(client, {**TERMII_DELIVERED, "status": "Message Failed"})

    message.refresh_from_db()
    assert (message.status, message.last_error) == (Status.FAILED, "Not delivered: Message Failed")


def test_a_forged_termii_report_is_refused_and_changes_nothing(client, sent_sms):
    message = sent_sms("termii")

    response = post_termii(client, TERMII_DELIVERED, secret="guessed")

    assert response.status_code == 403
    assert status_of(message) == Status.SENT


def test_a_malformed_termii_report_is_refused(client, sent_sms):
    message = sent_sms("termii")
    body = b"{not json"

    response = client.post(
        "/webhooks/sms/termii/",
        body,
        content_type="application/json",
        headers={"X-Termii-Signature": termii_signature(body, "termii-secret")},
    )

    assert response.status_code == 400
    assert status_of(message) == Status.SENT


def test_a_report_for_an_unknown_message_is_acknowledged_and_ignored(client, sent_sms):
    message = sent_sms("termii")

    response = post_termii(client, {**TERMII_DELIVERED, "message_id": "SOMEONE-ELSES"})

    assert response.status_code == 200
    assert status_of(message) == Status.SENT


def post_twilio(client, path: str, form: dict, *, token: str = "twilio-token"):  # noqa: S107
    signature = twilio_signature(f"https://experthive.ng{path}", {k: [v] for k, v in form.items()}, token)
    return client.post(path, form, headers={"X-Twilio-Signature": signature})


def test_a_signed_twilio_status_callback_marks_the_sms_undelivered_with_the_error(client, sent_sms):
    message = sent_sms("twilio")

    response = post_twilio(
        client,
        "/webhooks/sms/twilio/status/",
        {"MessageSid": "PROVIDER-ID", "MessageStatus": "undelivered", "ErrorCode": "30003", "To": "+2348051234567"},
    )

    message.refresh_from_db()
    assert response.status_code == 200
    assert (message.status, message.last_error) == (Status.FAILED, "Not delivered: undelivered (error 30003)")


def test_a_forged_twilio_status_callback_is_refused(client, sent_sms):
    message = sent_sms("twilio")

    response = post_twilio(
        client, "/webhooks/sms/twilio/status/", {"MessageSid": "PROVIDER-ID", "MessageStatus": "failed"}, token="x"
    )

    assert response.status_code == 403
    assert status_of(message) == Status.SENT


def test_replying_stop_through_twilio_opts_the_number_out_and_no_more_sms_go(client, verified_bola, after_commit):
    post_twilio(client, "/webhooks/sms/twilio/inbound/", {"From": "+2348051234567", "Body": "Stop "})
    with after_commit():
        notify(verified_bola, "payout_sent", **CONTEXT)

    assert SmsOptOut.objects.get().source == "twilio-inbound"
    assert sms.outbox == []


def test_replying_start_opts_back_in(client, verified_bola):
    SmsOptOut.objects.create(phone="+2348051234567", source="twilio-inbound")

    post_twilio(client, "/webhooks/sms/twilio/inbound/", {"From": "+2348051234567", "Body": "START"})

    assert not SmsOptOut.objects.exists()


def test_an_africastalking_report_with_the_secret_token_marks_the_sms_delivered(client, sent_sms):
    message = sent_sms("africastalking")

    response = client.post(
        f"/webhooks/sms/africastalking/{TOKEN}/report/",
        {"id": "PROVIDER-ID", "status": "Success", "phoneNumber": "+2348051234567", "networkCode": "62130"},
    )

    assert response.status_code == 200
    assert status_of(message) == Status.DELIVERED


def test_an_africastalking_report_without_the_token_is_refused(client, sent_sms):
    message = sent_sms("africastalking")

    response = client.post("/webhooks/sms/africastalking/guess/report/", {"id": "PROVIDER-ID", "status": "Failed"})

    assert response.status_code == 403
    assert status_of(message) == Status.SENT


def test_an_africastalking_opt_out_notification_stops_texts_to_that_number(client, db):
    client.post(
        f"/webhooks/sms/africastalking/{TOKEN}/optout/", {"senderId": "ExpertHive", "phoneNumber": "+2348051234567"}
    )

    assert str(SmsOptOut.objects.get().phone) == "+2348051234567"


def test_webhooks_only_accept_post(client, db):
    assert client.get("/webhooks/sms/termii/").status_code == 405


def test_a_stop_that_arrives_while_a_text_waits_for_quiet_hours_to_end_is_honoured(
    client, verified_bola, clock, after_commit
):
    QuietHours.objects.create(user=verified_bola, start=time(11), end=time(13))
    with after_commit():
        notify(verified_bola, "revision_requested", **CONTEXT)
    waiting = OutboundMessage.objects.get(channel="sms")

    post_twilio(client, "/webhooks/sms/twilio/inbound/", {"From": "+2348051234567", "Body": "STOP"})
    clock.advance(hours=2)
    deliver_due_messages()

    waiting.refresh_from_db()
    assert sms.outbox == []
    assert waiting.status == Status.FAILED
    assert waiting.last_error == "The number replied STOP after this text was queued."
