"""Browser journeys in a real Chromium against a live server.

Set SCREENSHOTS=some/dir to keep a PNG of each step for a visual review.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser import open_menu_if_collapsed, shoot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_student_signs_up_logs_out_and_a_tutor_logs_in_and_edits_the_profile_on_a_phone(phone_page, bola):
    page = phone_page
    page.goto("/")
    shoot(page, "home")
    page.get_by_role("link", name="Post a question").click()

    page.get_by_label("Full name").fill("Ngozi Eze")
    page.get_by_label("Email").fill("ngozi@example.com")
    page.get_by_label("Mobile number").fill("0803 123 9999")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_label("Level of study").select_option(label="SSS 3")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()
    assert page.get_by_label("Full name").input_value() == "Ngozi Eze"
    shoot(page, "signup-errors")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Welcome to Expert Hive, Ngozi!")).to_be_visible()
    assert User.objects.get(email="ngozi@example.com").phone == "+2348031239999"

    # The phone layout folds the navigation behind a Menu button.
    expect(page.get_by_role("button", name="Log out")).not_to_be_visible()
    open_menu_if_collapsed(page)
    shoot(page, "menu-open")
    page.get_by_role("button", name="Log out").click()

    open_menu_if_collapsed(page)
    page.get_by_role("navigation").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("bola@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    open_menu_if_collapsed(page)
    page.get_by_role("navigation").get_by_role("link", name="My profile").click()
    shoot(page, "profile-tutor")

    page.get_by_label("Headline").fill("WAEC physics, patiently explained")
    page.get_by_label("Chemistry").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()

    page.get_by_role("link", name="See my public page").click()
    expect(page.get_by_role("heading", name="Bola Adeyemi")).to_be_visible()
    expect(page.get_by_text("WAEC physics, patiently explained")).to_be_visible()
    expect(page.get_by_text("Chemistry")).to_be_visible()
    shoot(page, "tutor-public")
    # Nothing on the page is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_pages_fit_a_desktop_and_a_phone_without_sideways_scrolling(phone_page, desktop_page, bola):
    for page in (phone_page, desktop_page):
        for path, name in [("/", "home"), ("/signup/", "signup-choice"), ("/login/", "login"), ("/tutors/", "tutors")]:
            page.goto(path)
            shoot(page, name)
            width = page.viewport_size["width"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path


def test_the_site_runs_with_no_content_security_policy_violations(desktop_page, bola):
    violations = []
    desktop_page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )

    for path in ["/", "/login/", "/signup/tutor/", f"/tutors/{bola.pk}/"]:
        desktop_page.goto(path)

    assert violations == []


def test_the_keyboard_reaches_the_main_actions_with_a_visible_focus(desktop_page):
    page = desktop_page
    page.goto("/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    outline = page.evaluate("getComputedStyle(document.querySelector('.button'), ':focus-visible').outlineStyle")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Post a question"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid", outline
