"""The browser journey across the two web processes: a student on one, a tutor on the other, and
every hand-over between them going through what production shares (PostgreSQL, Redis over TLS,
object storage, the payment provider)."""

import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n"


def a_pdf(path, label: str) -> bytes:
    content = PDF + f"%{label} {secrets.token_hex(8)}\n%%EOF\n".encode()
    path.write_bytes(content)
    return content


class Journey:
    def __init__(self, rehearsal: Any, student: Page, tutor: Page):
        self.r, self.student, self.tutor = rehearsal, student, tutor
        self.web1, self.web2 = rehearsal.web_urls
        self.files = rehearsal.workdir / "files"
        self.files.mkdir(exist_ok=True)
        self.question_path = self.engagement_path = ""
        self.worksheet = a_pdf(self.files / "worksheet.pdf", "worksheet")
        self.answer = a_pdf(self.files / "answer.pdf", "answer")

    def log_in(self, page: Page, base: str, email: str) -> None:
        page.goto(base + "/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(self.r.password)
        page.get_by_role("button", name="Log in").click()
        expect(page).not_to_have_url(re.compile(r"/login/"))

    def post_question(self) -> str:
        page = self.student
        self.log_in(page, self.web1, "ada@rehearsal.test")
        page.goto(self.web1 + "/questions/new/")
        page.get_by_label("Title").fill("Prove the angle sum of a triangle")
        page.get_by_label("Details").fill("Why do the angles add up to **180 degrees**?")
        page.get_by_label("Subject").select_option(label="Mathematics")
        page.get_by_label("Level").select_option(label="SSS 3")
        deadline = datetime.now(ZoneInfo("Africa/Lagos")) + timedelta(hours=30)
        page.get_by_label("Deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("Budget").fill("6000")
        page.get_by_label("Attachments").set_input_files(str(self.files / "worksheet.pdf"))
        page.get_by_role("button", name="Post my question").click()
        expect(page.get_by_text("Your question is posted")).to_be_visible()
        expect(page.get_by_role("link", name="worksheet.pdf")).to_be_visible()
        self.question_path = page.url.removeprefix(self.web1)
        return f"the student posts a question with worksheet.pdf on web.1 ({self.question_path})"

    def bid(self) -> str:
        page = self.tutor
        self.log_in(page, self.web2, "bola@rehearsal.test")
        page.goto(self.web2 + self.question_path)
        page.get_by_label("Your price").fill("5000")
        page.get_by_label("Delivery time (hours after payment)").fill("6")
        page.get_by_label("Message to the student").fill("I will draw it and prove it with parallel lines.")
        page.get_by_role("button", name="Place my bid").click()
        expect(page.get_by_text("Your bid is in.")).to_be_visible()
        return "the tutor bids on web.2"

    def tutor_reads_the_attachment(self) -> str:
        where = self.download(self.tutor, self.web2, "worksheet.pdf", self.worksheet)
        return f"the tutor opens worksheet.pdf (uploaded on web.1) on web.2: the same bytes, {where}"

    def accept_and_pay(self) -> str:
        page = self.student
        page.goto(self.web2 + self.question_path)
        expect(page.get_by_text("I will draw it and prove it with parallel lines.")).to_be_visible()
        page.get_by_role("button", name="Accept for ₦5,000").click()
        expect(page.get_by_text("Pay ₦5,000 to start the work.")).to_be_visible()
        page.get_by_role("button", name="Pay ₦5,000").click()
        expect(page.get_by_text("Sandbox Flutterwave checkout")).to_be_visible()
        checkout = page.url
        assert checkout.startswith(self.r.sandbox_url), f"the checkout is not the provider's page: {checkout}"
        page.get_by_role("button", name="Pay ₦5,000").click()
        expect(page.get_by_text("Paid — held in escrow.", exact=False).first).to_be_visible()
        assert page.url.startswith(self.web2), f"the provider sent the student elsewhere: {page.url}"
        self.engagement_path = page.url.removeprefix(self.web2).split("?")[0]
        return (
            "the student accepts on web.2, pays on the provider's hosted checkout, comes back to web.2: held in escrow"
        )

    def chat(self) -> str:
        student, tutor = self.student, self.tutor
        student.goto(self.web1 + self.engagement_path)
        student.get_by_role("link", name="Messages with Bola").click()
        tutor.goto(self.web2 + self.engagement_path)
        tutor.get_by_role("link", name="Messages with Ada").click()
        assert student.url.startswith(self.web1) and tutor.url.startswith(self.web2)
        expect(student.get_by_text("online")).to_be_visible(timeout=15_000)  # presence crossed over too
        there = self.say(student, tutor, "Sent on web.1, read on web.2.")
        back = self.say(tutor, student, "And back from web.2 to web.1.")
        return f"they chat over the WebSocket: web.1 → web.2 in {there:.1f} s, web.2 → web.1 in {back:.1f} s"

    def say(self, sender: Page, reader: Page, text: str) -> float:
        started = time.monotonic()
        sender.get_by_label("Your message").fill(text)
        sender.get_by_role("button", name="Send").click()
        expect(reader.get_by_text(text)).to_be_visible(timeout=10_000)
        return time.monotonic() - started

    def deliver(self) -> str:
        page = self.tutor
        page.goto(self.web2 + self.engagement_path)
        page.get_by_label("Your answer").fill("Draw a line through the apex parallel to the base...")
        page.get_by_label("Files").set_input_files(str(self.files / "answer.pdf"))
        page.get_by_role("button", name="Deliver").click()
        expect(page.get_by_text("Delivered. The student has been told")).to_be_visible()
        return "the tutor delivers answer.pdf on web.2"

    def student_downloads(self) -> str:
        self.student.goto(self.web1 + self.engagement_path)
        where = self.download(self.student, self.web1, "answer.pdf", self.answer)
        return f"the student downloads answer.pdf on web.1: the same bytes, {where}"

    def download(self, page: Page, base: str, name: str, expected: bytes) -> str:
        if not page.url.startswith(base):
            page.goto(base + self.question_path)
        href = page.get_by_role("link", name=name).first.get_attribute("href") or ""
        response = page.context.request.get(href if href.startswith("http") else base + href)
        assert response.ok, f"{name}: HTTP {response.status}"
        assert response.body() == expected, f"{name}: different bytes came back ({len(response.body())} bytes)"
        served = response.url.split("?")[0]
        return "served by the web process" if served.startswith(base) else f"from {served.split('/')[2]}"

    def approve(self) -> str:
        page = self.student
        page.get_by_label("I have checked the work").check()  # the release asks for confirmation
        page.get_by_role("button", name="Approve and pay the tutor").click()
        expect(page.get_by_text("Approved. The tutor is paid.")).to_be_visible()
        return "the student approves on web.1: the tutor is paid"


def run(rehearsal: Any) -> None:
    report = rehearsal.report
    report.section("The journey: a student and a tutor across web.1 and web.2")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        violations: list[str] = []
        pages = []
        for width in (375, 1280):
            page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            pages.append(page)
        journey = Journey(rehearsal, *pages)
        steps: list[Callable[[], str]] = [
            journey.post_question,
            journey.bid,
            journey.tutor_reads_the_attachment,
            journey.accept_and_pay,
            journey.chat,
            journey.deliver,
            journey.student_downloads,
            journey.approve,
        ]
        for number, step in enumerate(steps, 1):
            if not take(report, number, step, pages, rehearsal.workdir):
                report.note(f"the journey stops here; screenshots in {rehearsal.workdir}")
                break
        else:
            if violations:
                report.fail(f"Content Security Policy violations: {violations[:3]}")
            else:
                report.ok("no Content Security Policy violation on any page")
        browser.close()
    stored = rehearsal.stored_objects()
    if rehearsal.object_storage_on:
        if len(stored) >= 2:
            report.ok(f"object storage holds the uploads ({len(stored)} objects, e.g. {stored[0]})")
        else:
            report.fail(f"object storage holds {len(stored)} object(s); the uploads are elsewhere")
    else:
        report.todo("files handed between processes through object storage (both web processes read one local disk)")


def take(report: Any, number: int, step: Callable[[], str], pages: list[Page], workdir) -> bool:
    try:
        said = step()
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        report.fail(f"{number}. {step.__name__.replace('_', ' ')}: {first[:300]}")
        for n, page in enumerate(pages, 1):
            page.screenshot(path=str(workdir / f"failed-{number}-{n}.png"), full_page=True)
        return False
    report.ok(f"{number}. {said}")
    return True
