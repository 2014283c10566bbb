"""Delivery: retries with backoff through a provider outage, permanent failures, staff retry."""

import pytest

from notifications.models import Notification, OutboundMessage, SmsOptOut
from notifications.services import MAX_ATTEMPTS, backoff, deliver_due_messages, notify
from tests.notifications.helpers import AT_OK, TERMII_BAD_KEY, TERMII_OK, Sandbox, at_recipient, use_sandbox
from tests.notifications.test_notify import CONTEXT

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


def sms_of(user) -> OutboundMessage:
    return OutboundMessage.objects.get(user=user, channel="sms")


def test_a_provider_500_then_success_delivers_the_sms_once(verified_bola, termii, clock, after_commit):
    termii.answers = [(500, {"message": "Internal Server Error"}), (200, TERMII_OK)]

    with after_commit():
        notify(verified_bola, "payout_sent", **CONTEXT)

    message = sms_of(verified_bola)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert "HTTP 500" in message.last_error
    clock.advance(seconds=30)
    deliver_due_messages()
    deliver_due_messages()  # a second sweep finds nothing left to send
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 2, "")
    assert message.provider_message_id == "9122821270554876574"
    assert len(termii.requests) == 2


def test_a_retry_waits_for_its_backoff(verified_bola, termii, clock, after_commit):
    termii.answers = [(503, {}), (200, TERMII_OK)]
    with after_commit():
        notify(verified_bola, "payout_sent", **CONTEXT)

    clock.advance(seconds=29)
    deliver_due_messages()

    assert sms_of(verified_bola).status == Status.PENDING
    assert len(termii.requests) == 1


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20).total_seconds() == 3600


def test_a_long_outage_ends_failed_with_the_reason_after_the_last_attempt(verified_bola, termii, clock, after_commit):
    termii.answers = [(502, {"message": "Bad Gateway"})]
    with after_commit():
        notify(verified_bola, "payout_sent", **CONTEXT)

    for _ in range(MAX_ATTEMPTS):
        clock.advance(hours=1)
        deliver_due_messages()

    message = sms_of(verified_bola)
    assert (message.status, message.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert "HTTP 502" in message.last_error


def test_a_permanent_failure_is_failed_with_the_reason_and_the_in_app_copy_stays(verified_bola, termii, after_commit):
    termii.answers = [(401, TERMII_BAD_KEY)]

    with after_commit():
        notify(verified_bola, "bid_accepted", **CONTEXT)

    message = sms_of(verified_bola)
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert message.last_error == "termii: HTTP 401: Invalid API key"
    assert Notification.objects.visible_to(verified_bola).get().title.startswith("Your bid on")


def test_a_number_blacklisted_at_the_provider_is_opted_out(verified_bola, settings, monkeypatch, after_commit):
    from notifications.sms.africastalking import AfricasTalkingBackend

    use_sandbox(monkeypatch, settings, AfricasTalkingBackend, Sandbox([(201, at_recipient(406, "UserInBlacklist"))]))

    with after_commit():
        notify(verified_bola, "bid_accepted", **CONTEXT)

    assert sms_of(verified_bola).status == Status.FAILED
    assert SmsOptOut.objects.filter(phone=verified_bola.phone).exists()


def test_a_worker_that_died_mid_send_is_picked_up_later(verified_bola, clock, after_commit, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # nobody runs tasks
    with after_commit():
        notify(verified_bola, "payout_sent", **CONTEXT)
    message = sms_of(verified_bola)
    message.move_to(Status.SENDING, note="claimed by a worker that then crashed")
    message.save()

    clock.advance(minutes=11)
    deliver_due_messages()

    message.refresh_from_db()
    assert message.status == Status.SENT


def test_staff_see_the_outbox_and_retry_a_failed_message(client, staff, verified_bola, termii, after_commit):
    termii.answers = [(401, TERMII_BAD_KEY)]
    with after_commit():
        notify(verified_bola, "payout_sent", **CONTEXT)
    message = sms_of(verified_bola)
    client.force_login(staff)

    listing = client.get("/admin/notifications/outboundmessage/?status=failed")
    termii.answers = [(200, TERMII_OK)]
    with after_commit():
        client.post("/admin/notifications/outboundmessage/", {"action": "retry", "_selected_action": [message.pk]})

    assert "termii: HTTP 401: Invalid API key" in listing.text
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == (Status.SENT, "9122821270554876574")
    assert "retried by staff@example.com" in [event.note for event in message.events.all()]


def test_africastalking_accepts_a_message(verified_bola, settings, monkeypatch, after_commit):
    from notifications.sms.africastalking import AfricasTalkingBackend

    use_sandbox(monkeypatch, settings, AfricasTalkingBackend, Sandbox([(201, AT_OK)]))

    with after_commit():
        notify(verified_bola, "bid_accepted", **CONTEXT)

    message = sms_of(verified_bola)
    assert (message.status, message.provider, message.provider_message_id) == (
        Status.SENT,
        "africastalking",
        "ATXid_a4b0d3ee55c74e1a8b9c",
    )
