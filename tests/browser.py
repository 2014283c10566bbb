"""Helpers for the browser journeys."""

import os
from pathlib import Path

from tests.conftest import PASSWORD


def shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


def open_menu_if_collapsed(page) -> None:
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible():
        toggle.click()


def log_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def new_page(browser, url: str, width: int):
    """A page in a context of its own (its own cookies: one person, one device) that records
    Content Security Policy violations in `page.csp_violations`."""
    context = browser.new_context(viewport={"width": width, "height": 800}, base_url=url)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.csp_violations = violations
    return page
