"""The money messages on a phone and a desktop: a payment the gateway is slow to confirm, an underpayment,
a split dispute in the notifications, and a currency we can't pay out to a bank. SCREENSHOTS=dir keeps PNGs."""

import pytest
from playwright.sync_api import expect

from engagements import services as engagement_services
from payments import services as payment_services
from payments.sandbox.core import inject_fault
from tests.test_browser_accounts import open_menu_if_collapsed, shoot
from tests.test_browser_marketplace import log_in
from tests.test_browser_payments import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pay_on_the_sandbox(page, engagement, outcome: str) -> None:
    page.goto(engagement.get_absolute_url())
    page.get_by_role("button", name="Pay ₦4,000").click()
    page.get_by_label("Webhook").select_option(label="Never send it")
    page.get_by_role("button", name=outcome).click()


def log_out(page) -> None:
    open_menu_if_collapsed(page)
    page.get_by_role("button", name="Log out").click()


@pytest.mark.parametrize("which", ["phone", "desktop"])
def test_a_slow_gateway_and_an_underpayment_are_explained_plainly(request, which, settings, live_sandbox, engagement):
    page = request.getfixturevalue(f"{which}_page")
    settings.PAYMENT_RETURN_WAIT_SECONDS, settings.SANDBOX_TIMEOUT_SECONDS = 1, 3  # the gateway outlasts the wait
    inject_fault(gateway="flutterwave", operation="verify", mode="timeout")

    log_in(page, "ada@example.com")
    pay_on_the_sandbox(page, engagement, "Pay less than asked")
    expect(page.get_by_text("We're confirming your payment with the gateway; this page will update.")).to_be_visible()
    shoot(page, "payment-return-confirming")
    no_sideways_scroll(page)

    page.goto(page.url.split("?")[0] + "?check=1")  # the gateway answers now: it was paid short
    expect(page.get_by_text("the money is being refunded. Try again.")).to_be_visible()
    shoot(page, "engagement-underpaid")
    no_sideways_scroll(page)


@pytest.mark.parametrize("which", ["phone", "desktop"])
def test_a_split_dispute_and_dollar_earnings_read_clearly(request, which, live_sandbox, staff, ada, delivered):
    page = request.getfixturevalue(f"{which}_page")
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Half of it is wrong")
    payment_services.resolve_dispute(
        engagement=delivered, by=staff, outcome="split", refund_amount=200_000, note="Half was right."
    )

    log_in(page, "ada@example.com")
    page.goto("/notifications/")
    expect(page.get_by_text("₦2,000 refunded to you, ₦2,000 released to Bola")).to_be_visible()
    shoot(page, "notifications-dispute-split-student")
    no_sideways_scroll(page)
    log_out(page)

    log_in(page, "bola@example.com")
    page.goto("/notifications/")
    expect(page.get_by_text("₦1,500 released to you after commission, ₦2,000 refunded to Ada")).to_be_visible()
    shoot(page, "notifications-dispute-split-tutor")
    for name, url in [
        ("earnings-usd", "/earnings/?currency=USD"),
        ("bank-account-usd", "/earnings/bank-accounts/new/?currency=USD"),
    ]:
        page.goto(url)
        expect(page.get_by_text("Payouts to a bank account in USD are not available")).to_be_visible()
        shoot(page, name)
        no_sideways_scroll(page)
