"""Browser journeys for notifications: verify a phone, see the badge, open a notification, change settings.

Set SCREENSHOTS=some/dir to keep a PNG of each page at phone and desktop widths.
"""

import re

import pytest
from playwright.sync_api import expect

from notifications import sms
from notifications.services import notify
from tests.browser import log_in, new_page, open_menu_if_collapsed, shoot
from tests.notifications.helpers import verify_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_bid(student, tutor) -> None:
    notify(
        student,
        "new_bid",
        question_title="Simultaneous equations for WAEC",
        amount_display="₦5,000",
        tutor_name=tutor.full_name,
        url=f"/tutors/{tutor.pk}/",
    )


def test_a_student_verifies_her_phone_sees_a_bid_arrive_opens_it_and_changes_settings(phone_page, ada, bola):
    page = phone_page
    log_in(page, "ada@example.com")
    open_menu_if_collapsed(page)
    page.get_by_role("navigation").get_by_role("link", name="My profile").click()
    page.get_by_role("link", name="Verify your phone").click()
    shoot(page, "phone-verify-start")
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_text("We sent a 6-digit code to +234 803 123 4567")).to_be_visible()
    code = re.match(r"(\d{6}) is your Expert Hive code", sms.outbox[-1].body).group(1)

    page.get_by_label("6-digit code").fill("999999" if code != "999999" else "111111")
    page.get_by_role("button", name="Verify my phone").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    shoot(page, "phone-verify-wrong-code")
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Verify my phone").click()
    expect(page.get_by_text("Your phone number +234 803 123 4567 is verified.")).to_be_visible()
    shoot(page, "phone-verified")

    new_bid(ada, bola)
    page.reload()
    open_menu_if_collapsed(page)
    nav_link = page.get_by_role("navigation").get_by_role("link", name=re.compile("Notifications"))
    assert nav_link.inner_text().replace("\n", " ").strip() == "Notifications 1 unread"
    shoot(page, "badge-menu-open")
    nav_link.click()
    shoot(page, "notifications-unread")
    page.get_by_role("link", name=re.compile("New bid of ₦5,000 from Bola Adeyemi")).click()
    expect(page.get_by_role("heading", name="Bola Adeyemi")).to_be_visible()

    page.goto("/notifications/")
    expect(page.locator("[data-badge-notifications]")).to_be_hidden()
    expect(page.locator("[data-badge-total]")).to_be_hidden()
    page.get_by_role("link", name="Notification settings").click()
    page.get_by_label("A new chat message while I'm away: SMS").check()
    page.get_by_label("Quiet hours start").fill("22:00")
    page.get_by_label("Quiet hours end").fill("07:00")
    shoot(page, "notification-settings")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    assert page.get_by_label("A new chat message while I'm away: SMS").is_checked()
    assert page.get_by_label("Quiet hours start").input_value() == "22:00"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_notification_pages_fit_a_phone_and_a_desktop(phone_page, desktop_page, ada, bola):
    verify_phone(bola)
    for _ in range(3):
        new_bid(ada, bola)
    notify(bola, "payout_failed", amount_display="₦12,500", reason="account number not found", url="/tutors/")
    for page in (phone_page, desktop_page):
        for user, paths in [
            ("ada@example.com", ["/notifications/", "/notifications/settings/", "/account/phone/"]),
            ("bola@example.com", ["/notifications/", "/notifications/settings/", "/account/phone/"]),
        ]:
            page.context.clear_cookies()
            log_in(page, user)
            for path in paths:
                page.goto(path)
                shoot(page, f"{user.split('@')[0]}-{path.strip('/').replace('/', '-')}")
                width = page.viewport_size["width"]
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path


def test_the_notification_pages_run_with_no_content_security_policy_violations(desktop_page, ada, bola):
    violations = []
    desktop_page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    new_bid(ada, bola)
    log_in(desktop_page, "ada@example.com")

    for path in ["/notifications/", "/notifications/settings/", "/account/phone/"]:
        desktop_page.goto(path)

    assert violations == []


def test_the_badge_changes_live_on_a_phone_and_a_desktop_without_a_reload(browser, daphne_url, question, ada, bola):
    """Ada has the site open on her phone and her laptop. Bola bids: both badges count the new
    notification at once. She reads it on the laptop: the phone's badge clears, never reloaded."""
    phone, laptop, tutor = (new_page(browser, daphne_url, width) for width in (375, 1280, 1280))
    for page, email in ((phone, "ada@example.com"), (laptop, "ada@example.com"), (tutor, "bola@example.com")):
        log_in(page, email)
    for page in (phone, laptop):
        page.goto("/")
        page.evaluate("window.notReloaded = true")
        expect(page.locator("[data-badge-notifications]")).to_be_hidden()

    # The bid goes through the live server, whose broadcast reaches Ada's sockets.
    tutor.goto(question.get_absolute_url())
    tutor.get_by_label("Your price").fill("4500")
    tutor.get_by_label("Delivery time (hours after payment)").fill("8")
    tutor.get_by_label("Message to the student").fill("I will factorise it with you.")
    tutor.get_by_role("button", name="Place my bid").click()

    nav_badge = laptop.get_by_role("navigation").locator("[data-badge-notifications]")
    expect(nav_badge).to_have_text("1 unread", timeout=10_000)
    menu_badge = phone.get_by_role("button", name=re.compile("Menu")).locator("[data-badge-total]")
    expect(menu_badge).to_have_text("1 unread", timeout=10_000)  # the phone's folded menu says so too
    shoot(phone, "badge-live-menu-closed")
    shoot(laptop, "badge-live")
    open_menu_if_collapsed(phone)
    expect(phone.get_by_role("link", name=re.compile("Notifications"))).to_have_text("Notifications 1 unread")
    shoot(phone, "badge-live-menu-open")

    laptop.get_by_role("navigation").get_by_role("link", name=re.compile("Notifications")).click()
    laptop.get_by_role("button", name=re.compile('^Mark "New bid')).click()

    expect(phone.locator("[data-badge-notifications]")).to_be_hidden(timeout=10_000)
    expect(menu_badge).to_be_hidden()
    assert phone.evaluate("window.notReloaded") is True
    shoot(phone, "badge-live-cleared")
    for page in (phone, laptop, tutor):
        assert page.csp_violations == []
        page.context.close()
