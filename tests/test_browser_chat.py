"""Chat and the live bid board in a real browser against Daphne (HTTP and WebSockets on one port).
Ada on a phone, Bola on a desktop. SCREENSHOTS=dir keeps a PNG of each page at 375 and 1280 px."""

import pytest
from playwright.sync_api import expect

from tests.browser import new_page
from tests.conftest import PASSWORD
from tests.test_browser_accounts import open_menu_if_collapsed, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def shoot_both(page, name: str) -> None:
    width = page.viewport_size["width"]
    for size in (375, 1280):
        page.set_viewport_size({"width": size, "height": 800})
        shoot(page, name)
    page.set_viewport_size({"width": width, "height": 800})


def test_a_student_sees_a_bid_arrive_live_and_both_sides_chat_live(browser, daphne_url, question, ada, bola):
    student = new_page(browser, daphne_url, 375)
    tutor = new_page(browser, daphne_url, 1280)
    log_in(student, "ada@example.com")
    log_in(tutor, "bola@example.com")

    # Ada watches her question; Bola bids; the bid appears on Ada's page without a reload.
    student.goto(question.get_absolute_url())
    expect(student.get_by_text("No bids yet.")).to_be_visible()
    student.wait_for_timeout(500)  # the bid board socket opens
    tutor.goto(question.get_absolute_url())
    tutor.get_by_label("Your price").fill("4500")
    tutor.get_by_label("Delivery time (hours after payment)").fill("8")
    tutor.get_by_label("Message to the student").fill("I will factorise it with you, step by step.")
    tutor.get_by_role("button", name="Place my bid").click()
    expect(student.get_by_text("I will factorise it with you, step by step.")).to_be_visible(timeout=10_000)
    shoot_both(student, "chat-bid-arrived-live")

    # Ada asks Bola about the bid; Bola opens the same conversation from his bid.
    student.get_by_role("link", name="Message Bola").click()
    expect(student.get_by_role("heading", name="Bola Adeyemi")).to_be_visible()
    tutor.get_by_role("link", name="Message the student about your bid").click()
    expect(tutor.get_by_role("heading", name="Ada Okonkwo")).to_be_visible()
    expect(student.get_by_text("online")).to_be_visible(timeout=10_000)

    # Typing shows on the other side, the message arrives live, and the receipt turns to Seen.
    student.get_by_label("Your message").press_sequentially("Can you show **each** step?")
    expect(tutor.get_by_text("Ada is typing…")).to_be_visible(timeout=10_000)
    student.get_by_role("button", name="Send").click()
    expect(tutor.locator(".msg-body strong", has_text="each")).to_be_visible(timeout=10_000)
    expect(student.locator(".msg-mine [data-receipt]").last).to_have_text("Seen", timeout=10_000)

    # Before payment Bola's number is hidden, and he is told why.
    tutor.get_by_label("Your message").fill("Sure. Or WhatsApp me on 0803 123 4567.")
    tutor.get_by_role("button", name="Send").click()
    expect(tutor.get_by_text("We hid contact details in your message")).to_be_visible(timeout=10_000)
    expect(student.get_by_text("Sure. Or WhatsApp me on [hidden until payment].")).to_be_visible(timeout=10_000)
    shoot_both(student, "chat-conversation-student")
    shoot_both(tutor, "chat-conversation-tutor")

    # Offline: Ada's message waits in the page and goes out once, when the line is back.
    student.context.set_offline(True)
    student.wait_for_timeout(300)
    student.get_by_label("Your message").fill("Written on the bus, offline.")
    student.get_by_role("button", name="Send").click()
    student.context.set_offline(False)
    expect(tutor.get_by_text("Written on the bus, offline.")).to_have_count(1, timeout=20_000)
    expect(student.get_by_text("Written on the bus, offline.")).to_have_count(1)

    # The inbox and the badge.
    tutor.goto("/chat/")
    expect(tutor.get_by_role("link", name="Ada Okonkwo")).to_be_visible()
    shoot_both(tutor, "chat-inbox")
    for page in (student, tutor):
        assert page.csp_violations == []
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    student.context.close()
    tutor.context.close()


def test_the_badge_counts_a_new_message_live_and_the_page_works_without_javascript(
    browser, daphne_url, bola_bid, ada, bola
):
    from chat import services

    conversation = services.open_conversation(bid=bola_bid, by=ada)
    tutor = new_page(browser, daphne_url, 375)
    log_in(tutor, "bola@example.com")
    open_menu_if_collapsed(tutor)
    badge = tutor.locator("[data-badge-chat]")
    expect(badge).to_be_hidden()
    tutor.wait_for_timeout(500)

    student = browser.new_context(
        java_script_enabled=False, base_url=daphne_url, viewport={"width": 375, "height": 800}
    )
    plain = student.new_page()
    log_in(plain, "ada@example.com")
    plain.goto(conversation.get_absolute_url())
    plain.get_by_label("Your message").fill("Sent without JavaScript.")
    plain.get_by_role("button", name="Send").click()

    expect(plain.get_by_text("Sent without JavaScript.")).to_be_visible()
    expect(badge).to_be_visible(timeout=10_000)
    expect(badge.locator("[data-badge-count]")).to_have_text("1")
    shoot_both(tutor, "chat-badge-live")
    shoot(plain, "chat-no-javascript")
    student.close()
    tutor.context.close()


def test_scrolling_back_loads_earlier_messages_in_place_through_the_api(browser, daphne_url, bola_bid, ada, bola):
    from chat import services
    from tests.conftest import pdf

    conversation = services.open_conversation(bid=bola_bid, by=ada)
    services.post_message(conversation=conversation, by=ada, text="The first one.", files=[pdf()], client_id="old-0000")
    for n in range(2, 61):
        services.post_message(conversation=conversation, by=ada, text=f"Message {n}.", client_id=f"old-{n:04}")
    tutor = new_page(browser, daphne_url, 375)
    log_in(tutor, "bola@example.com")
    tutor.goto(conversation.get_absolute_url())
    expect(tutor.locator("#m11")).to_be_visible()
    expect(tutor.locator("#m10")).to_have_count(0)

    tutor.get_by_role("link", name="Earlier messages").click()

    expect(tutor.locator("#m1")).to_contain_text("The first one.")
    expect(tutor.locator("#m1").get_by_role("link", name="worksheet.pdf")).to_have_attribute(
        "href", f"/api/v1/chat-files/{conversation.messages.get(seq=1).files.get().pk}"
    )
    expect(tutor.get_by_role("link", name="Earlier messages")).to_have_count(0)
    assert tutor.url.endswith(conversation.get_absolute_url())  # loaded in place, not a new page
    shoot_both(tutor, "chat-scrolled-back")
    assert tutor.csp_violations == []
    tutor.context.close()
