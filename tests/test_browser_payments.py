"""Money in a real browser: Ada pays on the sandbox's hosted checkout and sees it held in escrow;
Bola adds a bank account (named by the bank before saving) and is paid out. SCREENSHOTS=dir keeps PNGs."""

import pytest
from playwright.sync_api import expect

from engagements import services as engagement_services
from engagements.models import Engagement
from payments import services as payment_services
from tests.conftest import pdf
from tests.test_browser_accounts import open_menu_if_collapsed, shoot
from tests.test_browser_marketplace import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_student_pays_into_escrow_and_the_tutor_is_paid_out(phone_page, desktop_page, live_sandbox, engagement, bola):
    student, tutor = phone_page, desktop_page

    log_in(student, "ada@example.com")
    student.goto(engagement.get_absolute_url())
    student.get_by_role("button", name="Pay ₦4,000").click()
    expect(student.get_by_text("Sandbox Flutterwave checkout")).to_be_visible()
    shoot(student, "sandbox-checkout")
    student.get_by_role("button", name="Card declined").click()
    expect(student.get_by_text("The payment did not go through")).to_be_visible()
    student.get_by_role("button", name="Pay ₦4,000").click()
    student.get_by_role("button", name="Pay ₦4,000").click()
    expect(student.get_by_text("Paid — held in escrow. The tutor has been told to start.")).to_be_visible()
    shoot(student, "engagement-paid")
    no_sideways_scroll(student)

    engagement_services.deliver_work(engagement=engagement, by=bola, message="x = 2 or x = 3", files=[pdf()])
    student.reload()
    student.get_by_label("I have checked the work").check()
    student.get_by_role("button", name="Approve and pay the tutor").click()
    expect(student.get_by_text("Approved. The tutor is paid.")).to_be_visible()

    log_in(tutor, "bola@example.com")
    tutor.get_by_role("navigation").get_by_role("link", name="Earnings").click()
    expect(tutor.get_by_text("₦3,400").first).to_be_visible()
    tutor.get_by_role("link", name="Add a bank account").click()
    tutor.get_by_label("Bank").select_option(label="Guaranty Trust Bank")
    tutor.get_by_label("Account number").fill("0123456780")
    tutor.get_by_role("button", name="Check account").click()
    expect(tutor.get_by_text("The bank says this account belongs to")).to_be_visible()
    shoot(tutor, "bank-account-resolved")
    tutor.get_by_role("button", name="Save this account").click()
    tutor.get_by_label("Amount (NGN)").fill("3400")
    tutor.get_by_role("button", name="Request payout").click()
    expect(tutor.get_by_text("Payout of ₦3,400 requested")).to_be_visible()
    tutor.reload()
    expect(tutor.locator(".status-payout-succeeded").first).to_be_visible()
    shoot(tutor, "earnings-paid-out")
    assert Engagement.objects.get().status == Engagement.Status.COMPLETED


@pytest.mark.parametrize("which", ["phone", "desktop"])
def test_every_payment_page_fits_the_screen(request, which, live_sandbox, staff, bola, delivered):
    page = request.getfixturevalue(f"{which}_page")
    engagement_services.open_dispute(engagement=delivered, by=bola, reason="The student went quiet")
    payment_services.add_bank_account(user=bola, currency="NGN", bank_code="058", account_number="0123456780")

    log_in(page, "bola@example.com")
    for name, url in [("earnings", "/earnings/"), ("bank-account-new", "/earnings/bank-accounts/new/")]:
        page.goto(url)
        shoot(page, name)
        no_sideways_scroll(page)
    page.goto(delivered.get_absolute_url())
    shoot(page, "engagement-disputed-tutor")
    open_menu_if_collapsed(page)
    page.get_by_role("button", name="Log out").click()

    log_in(page, "staff@example.com")
    for name, url in [
        ("reconciliation", "/staff/payments/"),
        ("dispute-resolve", f"/staff/engagements/{delivered.pk}/resolve/"),
        ("sandbox-control", "/sandbox/"),
    ]:
        page.goto(url)
        shoot(page, name)
        no_sideways_scroll(page)
