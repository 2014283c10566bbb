"""In a real browser, on a phone and a desktop: Ada disputes a delivery, staff find it on the dispute desk,
read the case and split the money, and both people read the decision's note; the fee is shown as a
tutor types a bid and before a student pays. SCREENSHOTS=dir keeps PNGs."""

import re

import pytest
from playwright.sync_api import expect

from engagements import services as engagement_services
from tests.browser import log_in, open_menu_if_collapsed, shoot
from tests.test_browser_payments import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKING_AND_DISABLED = """() => [...document.querySelectorAll("button")]
  .some((button) => button.textContent === "Working…" && button.disabled)"""
REPORT_THE_BUTTON = """document.addEventListener("submit", (event) => setTimeout(() => {
  const button = event.submitter;
  console.log(`BUTTON ${button.textContent}${button.disabled ? " disabled" : ""}`);
}, 100));"""
NOTE = "Steps 3 to 5 were missing, so half is refunded."


def log_out(page) -> None:
    page.wait_for_load_state()  # the menu button works once the page's script has run
    open_menu_if_collapsed(page)
    page.get_by_role("button", name="Log out").click()


@pytest.mark.parametrize("which", ["phone", "desktop"])
def test_a_dispute_goes_from_the_student_to_the_desk_to_a_split_both_people_read(
    request, which, live_sandbox, staff, delivered
):
    page = request.getfixturevalue(f"{which}_page")

    log_in(page, "ada@example.com")
    page.goto(delivered.get_absolute_url())
    page.get_by_text("Something wrong?").click()
    page.get_by_label("What went wrong?").fill("Steps 3 to 5 of the working are missing.")
    page.get_by_role("button", name="Open a dispute").click()
    expect(page.get_by_text("Dispute opened.")).to_be_visible()
    log_out(page)

    log_in(page, "staff@example.com")
    open_menu_if_collapsed(page)
    page.get_by_role("navigation").get_by_role("link", name="Disputes").click()
    case = page.get_by_role("listitem").filter(has_text="Solve a quadratic equation")
    expect(case).to_contain_text(re.compile(r"opened (now|.+ ago)"))
    expect(case).to_contain_text("by the student")
    expect(case.get_by_text("₦4,000")).to_be_visible()
    expect(case.get_by_text("Steps 3 to 5 of the working are missing.")).to_be_visible()
    shoot(page, "dispute-desk")
    no_sideways_scroll(page)

    case.get_by_role("link", name="Open the case").click()
    expect(page.get_by_text("Why Ada Okonkwo (student) opened the dispute")).to_be_visible()
    expect(page.get_by_role("link", name="answer.pdf")).to_be_visible()
    expect(page.get_by_text("Bola Adeyemi receives ₦3,400 (₦600 commission).")).to_be_visible()
    shoot(page, "dispute-case")
    no_sideways_scroll(page)

    # The decision is held on its way to the server; meanwhile the page reports its button (the page
    # can't be read directly while its navigation is pending).
    held, states = [], []
    page.on("console", lambda message: states.append(message.text) if message.text.startswith("BUTTON") else None)
    page.add_init_script(REPORT_THE_BUTTON)
    page.reload()
    page.get_by_label("Split: refund part, release the rest").check()
    page.get_by_label("Refund to the student (NGN)").fill("1,500")
    page.get_by_label("Decision note").fill(NOTE)
    page.route("**/staff/disputes/*/", lambda route: held.append(route))
    page.get_by_role("button", name="Decide and move the money").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert held and states == ["BUTTON Working… disabled"]
    held[0].continue_()
    page.unroute("**/staff/disputes/*/")
    expect(page.get_by_text("Dispute resolved; the money has moved. Both people have been told.")).to_be_visible()
    log_out(page)

    for email, amounts in [
        ("ada@example.com", "₦1,500 back to you and ₦2,500 released to the tutor, the ₦4,000 you paid"),
        ("bola@example.com", "₦1,500 back to the student, ₦2,000 to the tutor (after ₦500 commission)"),
    ]:
        log_in(page, email)
        page.goto(delivered.get_absolute_url())
        expect(page.get_by_role("heading", name="Our staff's decision")).to_be_visible()
        expect(page.get_by_text(NOTE, exact=True)).to_be_visible()
        expect(page.get_by_text(amounts)).to_be_visible()
        shoot(page, f"dispute-decided-{email.split('@')[0]}")
        no_sideways_scroll(page)
        log_out(page)


@pytest.mark.parametrize("which", ["phone", "desktop"])
def test_the_fee_is_shown_as_a_tutor_types_and_before_a_student_pays(request, which, live_server, question, chen):
    page = request.getfixturevalue(f"{which}_page")

    log_in(page, "chen@example.com")
    page.goto(question.get_absolute_url())
    expect(page.get_by_text("The platform fee is 15% of your price, at least ₦500.")).to_be_visible()
    page.get_by_label("Your price").fill("4,500")
    expect(page.get_by_text("You receive ₦3,825 after the ₦675 platform fee.")).to_be_visible()
    page.get_by_label("Your price").fill("2000.5")
    expect(page.get_by_text("You receive ₦1,500.50 after the ₦500 platform fee.")).to_be_visible()
    page.get_by_label("Your price").fill("45OO")
    expect(page.get_by_text("The platform fee is 15% of your price, at least ₦500.")).to_be_visible()
    page.get_by_label("Your price").fill("4500")
    page.get_by_label("Message to the student").fill("I will factorise it step by step, then check both roots.")
    shoot(page, "bid-form-fee")
    no_sideways_scroll(page)
    page.get_by_role("button", name="Place my bid").click()
    expect(page.get_by_text("Your bid is in.")).to_be_visible()
    log_out(page)

    engagement_services.accept_bid(bid=question.bids.get(), by=question.student)
    log_in(page, "ada@example.com")
    page.goto(question.engagements.get().get_absolute_url())
    breakdown = page.get_by_label("Price breakdown")
    expect(breakdown.get_by_text("Chen receives")).to_be_visible()
    expect(breakdown.get_by_text("₦3,825")).to_be_visible()
    expect(breakdown.get_by_text("₦675")).to_be_visible()
    expect(page.get_by_role("button", name="Pay ₦4,500")).to_be_visible()
    shoot(page, "engagement-before-payment")
    no_sideways_scroll(page)
