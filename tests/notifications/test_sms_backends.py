"""The SMS adapters against sandboxes that answer like each provider's documented API."""

import httpx
import pytest

from notifications.sms import SmsError, SmsMessage
from notifications.sms.africastalking import AfricasTalkingBackend
from notifications.sms.console import ConsoleBackend
from notifications.sms.termii import TermiiBackend
from notifications.sms.twilio import TwilioBackend
from tests.notifications.helpers import AT_OK, TERMII_OK, TWILIO_INVALID_TO, TWILIO_OK, Sandbox, at_recipient

TEXT = SmsMessage(to="+2348051234567", body="Expert Hive: hello", idempotency_key="0b7d5a4e")


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.TERMII_API_KEY = "termii-key"
    settings.AFRICASTALKING_USERNAME, settings.AFRICASTALKING_API_KEY = "experthive", "at-key"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC0123456789abcdef0123456789abcdef", "twilio-token"
    settings.TWILIO_FROM = "+15005550006"
    settings.SITE_URL = "https://experthive.ng"


def send(backend_class, *answers):
    sandbox = Sandbox(list(answers))
    return backend_class(transport=sandbox.transport).send(TEXT), sandbox


def refusal(backend_class, *answers) -> SmsError:
    with pytest.raises(SmsError) as caught:
        send(backend_class, *answers)
    return caught.value


def test_termii_posts_the_documented_json_and_returns_the_message_id():
    message_id, sandbox = send(TermiiBackend, (200, TERMII_OK))

    assert message_id == "9122821270554876574"
    assert str(sandbox.requests[0].url) == "https://api.ng.termii.com/api/sms/send"
    assert sandbox.json() == {
        "api_key": "termii-key",
        "to": "2348051234567",
        "from": "ExpertHive",
        "sms": "Expert Hive: hello",
        "type": "plain",
        "channel": "dnd",
    }


def test_termii_server_errors_are_worth_a_retry_and_a_bad_key_is_not():
    assert refusal(TermiiBackend, (500, {"message": "Server Error"})).retryable
    assert refusal(TermiiBackend, (429, {"message": "Too Many Requests"})).retryable
    assert not refusal(TermiiBackend, (401, {"message": "Invalid API key"})).retryable
    assert not refusal(TermiiBackend, (400, {"message": "Sender ID not approved"})).retryable


def test_termii_out_of_credit_waits_for_a_top_up():
    error = refusal(TermiiBackend, (400, {"message": "Insufficient balance"}))

    assert error.retryable and "Insufficient balance" in error.reason


def test_africastalking_posts_a_form_with_the_api_key_header():
    message_id, sandbox = send(AfricasTalkingBackend, (201, AT_OK))

    request = sandbox.requests[0]
    assert message_id == "ATXid_a4b0d3ee55c74e1a8b9c"
    assert str(request.url) == "https://api.africastalking.com/version1/messaging"
    assert request.headers["apiKey"] == "at-key"
    assert dict(httpx.QueryParams(request.content.decode())) == {
        "username": "experthive",
        "to": "+2348051234567",
        "message": "Expert Hive: hello",
        "from": "ExpertHive",
    }


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [(405, "InsufficientBalance", True), (500, "InternalServerError", True), (403, "InvalidPhoneNumber", False)],
)
def test_africastalking_recipient_status_codes_map_to_retry_or_not(code, status, retryable):
    error = refusal(AfricasTalkingBackend, (201, at_recipient(code, status)))

    assert error.retryable is retryable
    assert error.reason == f"africastalking: {code} {status}"


def test_africastalking_blacklisted_number_counts_as_an_opt_out():
    assert refusal(AfricasTalkingBackend, (201, at_recipient(406, "UserInBlacklist"))).opted_out


def test_twilio_posts_with_basic_auth_and_a_status_callback():
    message_id, sandbox = send(TwilioBackend, (201, TWILIO_OK))

    request = sandbox.requests[0]
    form = dict(httpx.QueryParams(request.content.decode()))
    assert message_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert request.url.path == "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
    assert request.headers["Authorization"].startswith("Basic ")
    assert form["StatusCallback"] == "https://experthive.ng/webhooks/sms/twilio/status/"
    assert (form["To"], form["From"], form["Body"]) == ("+2348051234567", "+15005550006", "Expert Hive: hello")


def test_twilio_errors_say_their_code_and_only_throttling_is_retried():
    invalid = refusal(TwilioBackend, (400, TWILIO_INVALID_TO))
    throttled = refusal(TwilioBackend, (429, {"code": 20429, "message": "Too Many Requests", "status": 429}))

    assert not invalid.retryable and "21211" in invalid.reason
    assert throttled.retryable


def test_twilio_unsubscribed_recipient_counts_as_an_opt_out():
    error = refusal(TwilioBackend, (400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient"}))

    assert error.opted_out and not error.retryable


def test_a_network_failure_is_worth_a_retry():
    def unreachable(request):
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(SmsError) as caught:
        TermiiBackend(transport=httpx.MockTransport(unreachable)).send(TEXT)

    assert caught.value.retryable and "ConnectError" in caught.value.reason


def test_the_console_backend_logs_the_text_so_a_developer_can_read_the_code(caplog):
    caplog.set_level("INFO", logger="notifications.sms")

    ConsoleBackend().send(SmsMessage(to="+2348031234567", body="123456 is your code", idempotency_key="k"))

    assert "SMS to +2348031234567: 123456 is your code" in caplog.text
