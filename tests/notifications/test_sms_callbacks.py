"""Each provider's callbacks read by its backend: the providers' documented payloads in, our reports out."""

import json

import pytest
from django.test import RequestFactory

from notifications.sms import Inbound, MalformedCallback, Report
from notifications.sms.africastalking import AfricasTalkingBackend
from notifications.sms.termii import TermiiBackend
from notifications.sms.termii import sign as termii_sign
from notifications.sms.twilio import TwilioBackend
from notifications.sms.twilio import sign as twilio_sign

TOKEN = "at-callback-token-0123456789"
termii, twilio, africastalking = TermiiBackend(), TwilioBackend(), AfricasTalkingBackend()


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.TERMII_SECRET_KEY = "termii-secret"
    settings.TWILIO_AUTH_TOKEN = "twilio-token"
    settings.AFRICASTALKING_WEBHOOK_TOKEN = TOKEN
    settings.SITE_URL = "https://experthive.ng"


def termii_post(report: dict | bytes, *, secret: str = "termii-secret"):  # noqa: S107
    body = report if isinstance(report, bytes) else json.dumps(report).encode()
    headers = {"X-Termii-Signature": termii_sign(body, secret)}
    return RequestFactory().post("/webhooks/sms/termii/", body, content_type="application/json", headers=headers)


def form_post(path: str, form: dict, *, headers: dict | None = None):
    return RequestFactory().post(path, form, headers=headers or {})


def twilio_post(path: str, form: dict, *, token: str = "twilio-token"):  # noqa: S107
    signature = twilio_sign(f"https://experthive.ng{path}", {k: [v] for k, v in form.items()}, token)
    return form_post(path, form, headers={"X-Twilio-Signature": signature})


# --- Termii ------------------------------------------------------------------------------

# Termii's delivery report, as its documentation shows it.
TERMII_DELIVERED = {
    "type": "outbound",
    "id": "27467d9e-fbd2-4b66-9b0a-4b2c8d3b5c1a",
    "message_id": "3017544054459028363",
    "receiver": "2348051234567",
    "sender": "ExpertHive",
    "message": "Expert Hive: your payout ...",
    "sent_at": "2026-03-10 12:00:05",
    "cost": "4.50",
    "status": "DELIVERED",
    "channel": "dnd",
}


def test_termii_believes_a_report_signed_with_the_secret_key_only():
    assert termii.authentic(termii_post(TERMII_DELIVERED))
    assert not termii.authentic(termii_post(TERMII_DELIVERED, secret="guessed"))


def test_termii_believes_nothing_without_a_secret_key(settings):
    settings.TERMII_SECRET_KEY = ""

    assert not termii.authentic(termii_post(TERMII_DELIVERED, secret=""))


def test_termii_delivered():
    assert termii.parse_report(termii_post(TERMII_DELIVERED)) == [Report("3017544054459028363", delivered=True)]


@pytest.mark.parametrize("status", ["Message Failed", "DND Active on Phone Number", "Rejected", "Expired"])
def test_termii_failures_keep_termiis_words_as_the_reason(status):
    (report,) = termii.parse_report(termii_post({**TERMII_DELIVERED, "status": status}))

    assert report == Report("3017544054459028363", delivered=False, reason=status)


@pytest.mark.parametrize("status", ["Message Sent", "Pending"])
def test_termii_statuses_on_the_way_report_nothing(status):
    assert termii.parse_report(termii_post({**TERMII_DELIVERED, "status": status})) == []


@pytest.mark.parametrize("body", [b"{not json", b"[]", json.dumps({"status": "DELIVERED"}).encode()])
def test_termii_bodies_that_are_not_reports_are_malformed(body):
    with pytest.raises(MalformedCallback):
        termii.parse_report(termii_post(body))


# --- Twilio ------------------------------------------------------------------------------

STATUS_PATH = "/webhooks/sms/twilio/status/"
# Twilio's status callback fields, as its documentation lists them.
TWILIO_STATUS = {
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "ApiVersion": "2010-04-01",
    "From": "+15005550006",
    "MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "MessageStatus": "delivered",
    "SmsSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "SmsStatus": "delivered",
    "To": "+2348051234567",
}
SID = TWILIO_STATUS["MessageSid"]


def test_twilio_signatures_follow_twilios_published_example():
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+12349013030"],
        "Digits": ["1234"],
        "From": ["+12349013030"],
        "To": ["+18005551212"],
    }

    assert twilio_sign("https://mycompany.com/myapp.php?foo=1&bar=2", params, "12345") == (
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_twilio_believes_a_callback_signed_for_our_address_with_the_auth_token_only():
    assert twilio.authentic(twilio_post(STATUS_PATH, TWILIO_STATUS))
    assert not twilio.authentic(twilio_post(STATUS_PATH, TWILIO_STATUS, token="guessed"))
    assert not twilio.authentic(form_post(STATUS_PATH, TWILIO_STATUS))


def test_twilio_delivered():
    assert twilio.parse_report(twilio_post(STATUS_PATH, TWILIO_STATUS)) == [Report(SID, delivered=True)]


def test_twilio_undelivered_carries_the_error_code():
    form = {**TWILIO_STATUS, "MessageStatus": "undelivered", "ErrorCode": "30003"}

    assert twilio.parse_report(twilio_post(STATUS_PATH, form)) == [
        Report(SID, delivered=False, reason="undelivered (error 30003)")
    ]


def test_twilio_error_21610_says_the_number_replied_stop():
    form = {**TWILIO_STATUS, "MessageStatus": "failed", "ErrorCode": "21610"}

    (report,) = twilio.parse_report(twilio_post(STATUS_PATH, form))

    assert (report.delivered, report.opted_out) == (False, "+2348051234567")


@pytest.mark.parametrize("status", ["queued", "sent"])
def test_twilio_statuses_on_the_way_report_nothing(status):
    assert twilio.parse_report(twilio_post(STATUS_PATH, {**TWILIO_STATUS, "MessageStatus": status})) == []


def test_a_twilio_callback_without_a_message_sid_is_malformed():
    with pytest.raises(MalformedCallback):
        twilio.parse_report(twilio_post(STATUS_PATH, {"MessageStatus": "delivered"}))


# Twilio's incoming message fields; OptOutType comes with Advanced Opt-Out.
TWILIO_INBOUND = {
    "MessageSid": "SM0123456789abcdef0123456789abcdef",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+2348051234567",
    "To": "+15005550006",
    "Body": "Stop please",
    "NumMedia": "0",
}


def test_twilio_inbound_text_is_the_opt_out_keyword_when_twilio_names_it():
    request = twilio_post("/webhooks/sms/twilio/inbound/", {**TWILIO_INBOUND, "OptOutType": "STOP"})

    assert twilio.parse_inbound(request) == Inbound("+2348051234567", "STOP")


def test_twilio_inbound_text_is_the_body_otherwise():
    request = twilio_post("/webhooks/sms/twilio/inbound/", TWILIO_INBOUND)

    assert twilio.parse_inbound(request) == Inbound("+2348051234567", "Stop please")


# --- Africa's Talking -------------------------------------------------------------------

# Africa's Talking's delivery report fields, as its documentation lists them.
AT_REPORT = {
    "id": "ATXid_a4b0d3ee55c74e1a8b9c",
    "status": "Success",
    "phoneNumber": "+2348051234567",
    "networkCode": "62130",
    "retryCount": "0",
}


def test_africastalking_believes_callbacks_to_the_secret_url_only(settings):
    request = form_post("/", AT_REPORT)

    assert africastalking.authentic(request, token=TOKEN)
    assert not africastalking.authentic(request, token="guess")
    settings.AFRICASTALKING_WEBHOOK_TOKEN = ""
    assert not africastalking.authentic(request, token="")


def test_africastalking_success_is_delivered():
    assert africastalking.parse_report(form_post("/", AT_REPORT)) == [
        Report("ATXid_a4b0d3ee55c74e1a8b9c", delivered=True)
    ]


def test_africastalking_failure_gives_the_failure_reason_and_a_blacklisted_number_opted_out():
    form = {**AT_REPORT, "status": "Failed", "failureReason": "UserInBlackList"}

    assert africastalking.parse_report(form_post("/", form)) == [
        Report("ATXid_a4b0d3ee55c74e1a8b9c", delivered=False, reason="UserInBlackList", opted_out="+2348051234567")
    ]


def test_africastalking_rejected_without_a_reason_says_rejected():
    (report,) = africastalking.parse_report(form_post("/", {**AT_REPORT, "status": "Rejected"}))

    assert (report.delivered, report.reason, report.opted_out) == (False, "Rejected", "")


@pytest.mark.parametrize("status", ["Sent", "Submitted", "Buffered"])
def test_africastalking_statuses_on_the_way_report_nothing(status):
    assert africastalking.parse_report(form_post("/", {**AT_REPORT, "status": status})) == []


def test_africastalking_opt_out_notice_names_the_number():
    request = form_post("/", {"senderId": "ExpertHive", "phoneNumber": "+2348051234567"})

    assert africastalking.parse_opt_out(request) == "+2348051234567"


def test_africastalking_inbound_text():
    form = {
        "linkId": "SampleLinkId123",
        "text": "STOP",
        "to": "12345",
        "id": "5c9f0c1e-5b2f-4c1a-8e3d-0a1b2c3d4e5f",
        "date": "2026-03-10 12:00:05",
        "from": "+2348051234567",
    }

    assert africastalking.parse_inbound(form_post("/", form)) == Inbound("+2348051234567", "STOP")


@pytest.mark.parametrize(
    "parse", [africastalking.parse_report, africastalking.parse_opt_out, africastalking.parse_inbound]
)
def test_africastalking_callbacks_without_their_fields_are_malformed(parse):
    with pytest.raises(MalformedCallback):
        parse(form_post("/", {}))
