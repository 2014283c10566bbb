"""Ada comes back from the gateway while it is slow to answer: the page answers quickly, says the payment
is being confirmed and looks again by itself; the webhook and reconciliation keep their full timeout."""

import httpx
import pytest
from django.urls import reverse

from engagements.models import Engagement
from payments import services
from payments.gateways import GatewayError, get_gateway
from payments.gateways import base as gateway_base
from payments.gateways.base import answer_within
from payments.models import Payment
from payments.sandbox.core import inject_fault
from tests.sandbox import InProcessTransport, pay_in_sandbox

pytestmark = pytest.mark.django_db

CONFIRMING = "We're confirming your payment with the gateway; this page will update."


class RecordingTransport(InProcessTransport):
    """The in-process sandbox, noting the timeouts each gateway request was sent with."""

    def __init__(self):
        super().__init__()
        self.timeouts: list[dict[str, float]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "verify" in request.url.path:
            self.timeouts.append(request.extensions["timeout"])
        return super().handle_request(request)


@pytest.fixture
def gateway_calls(monkeypatch):
    transport = RecordingTransport()
    monkeypatch.setattr(gateway_base, "TRANSPORT", transport)
    return transport


@pytest.fixture
def slow_gateway(settings, engagement, gateway_calls):
    """The gateway takes the payment, then does not answer the return page's check in time."""
    settings.PAYMENT_HTTP_TIMEOUT, settings.PAYMENT_RETURN_WAIT_SECONDS = 20, 4
    inject_fault(gateway="flutterwave", operation="verify", mode="timeout")
    return engagement


def test_the_return_page_asks_the_gateway_with_the_short_wait_not_the_full_timeout(slow_gateway, gateway_calls):
    page = pay_in_sandbox(slow_gateway, webhook="drop")

    assert CONFIRMING in page.text
    [asked] = gateway_calls.timeouts
    assert sum(asked.values()) <= 4  # all phases together, not 20 s each
    assert asked["read"] < 4


def test_the_page_refreshes_itself_and_shows_the_payment_once_confirmed(slow_gateway):
    page = pay_in_sandbox(slow_gateway, webhook="drop")
    assert '<meta http-equiv="refresh" content="5;url=?check=1">' in page.text
    assert "₦4,000 for “Solve a quadratic equation”" in page.text

    again = page.client.get(page.request["PATH_INFO"] + "?check=1", follow=True)  # the fault is spent now

    assert "Paid — held in escrow" in again.text
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED


def test_after_a_minute_of_checks_the_page_stops_refreshing_and_says_what_happens_next(slow_gateway):
    page = pay_in_sandbox(slow_gateway, webhook="drop")
    inject_fault(gateway="flutterwave", operation="verify", mode="timeout")

    last = page.client.get(page.request["PATH_INFO"] + "?check=12")

    assert "The gateway hasn't confirmed your payment yet." in last.text
    assert 'http-equiv="refresh"' not in last.text
    assert "Check again" in last.text


def test_reconciliation_keeps_the_full_timeout_and_credits_the_payment(slow_gateway, gateway_calls):
    pay_in_sandbox(slow_gateway, webhook="drop")

    services.reconcile(everything=True)

    assert gateway_calls.timeouts[-1] == {"connect": 20, "read": 20, "write": 20, "pool": 20}
    slow_gateway.refresh_from_db()
    assert slow_gateway.status == Engagement.Status.IN_PROGRESS


def test_no_time_left_means_no_request_at_all(gateway_calls):
    with answer_within(0), pytest.raises(GatewayError) as raised:
        get_gateway("flutterwave").verify(reference="EH-1")

    assert raised.value.retryable
    assert gateway_calls.timeouts == []


def test_a_cancel_at_the_gateway_is_still_said_at_once(engagement):
    page = pay_in_sandbox(engagement, outcome="cancel")

    assert "You cancelled the payment" in page.text
    assert CONFIRMING not in page.text
    assert reverse("engagement_detail", args=[engagement.pk]) == page.request["PATH_INFO"]
