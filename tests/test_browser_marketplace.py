"""The whole loop in a real browser: ask, bid, accept, pay in the sandbox checkout, deliver,
approve, review. Ada uses a phone; Bola a desktop. SCREENSHOTS=dir keeps a PNG of each step."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagements.models import Engagement
from questions import services as question_services
from tests.browser import log_in, open_menu_if_collapsed, shoot
from tests.conftest import PDF_BYTES, in_hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_question_goes_from_asking_to_a_published_review(
    phone_page, desktop_page, live_sandbox, ada, bola, staff, tmp_path
):
    student, tutor = phone_page, desktop_page
    worksheet = tmp_path / "worksheet.pdf"
    worksheet.write_bytes(PDF_BYTES)
    answer = tmp_path / "answer.pdf"
    answer.write_bytes(PDF_BYTES)

    # Ada asks, with a file.
    log_in(student, "ada@example.com")
    open_menu_if_collapsed(student)
    student.get_by_role("navigation").get_by_role("link", name="Ask a question").click()
    student.get_by_label("Title").fill("Prove the angle sum of a triangle")
    student.get_by_label("Details").fill("Why do the angles add up to **180 degrees**?")
    student.get_by_label("Subject").select_option(label="Mathematics")
    student.get_by_label("Level").select_option(label="SSS 3")
    student.get_by_label("Deadline").fill(timezone.localtime(in_hours(30)).strftime("%Y-%m-%dT%H:%M"))
    student.get_by_label("Budget").fill("6000")
    student.get_by_label("Attachments").set_input_files(str(worksheet))
    shoot(student, "question-new")
    student.get_by_role("button", name="Post my question").click()
    expect(student.get_by_text("Your question is posted")).to_be_visible()
    expect(student.get_by_role("link", name="worksheet.pdf")).to_be_visible()
    shoot(student, "question-owner")

    # Bola finds it by searching and bids.
    log_in(tutor, "bola@example.com")
    tutor.get_by_role("navigation").get_by_role("link", name="Find questions").click()
    tutor.get_by_label("Search").fill("triangle angles")
    tutor.get_by_role("button", name="Show questions").click()
    shoot(tutor, "feed-search")
    tutor.get_by_role("link", name="Prove the angle sum of a triangle").click()
    tutor.get_by_label("Your price").fill("5000")
    tutor.get_by_label("Delivery time (hours after payment)").fill("6")
    tutor.get_by_label("Message to the student").fill("I will draw it and prove it with parallel lines.")
    tutor.get_by_role("button", name="Place my bid").click()
    expect(tutor.get_by_text("Your bid is in.")).to_be_visible()
    expect(tutor.get_by_role("link", name="worksheet.pdf")).to_be_visible()  # bidders may see the files now

    # Ada compares and accepts.
    student.reload()
    expect(student.get_by_text("I will draw it and prove it with parallel lines.")).to_be_visible()
    shoot(student, "question-bids")
    student.get_by_role("button", name="Accept for ₦5,000").click()
    expect(student.get_by_text("Pay ₦5,000 to start the work.")).to_be_visible()
    shoot(student, "engagement-awaiting-payment")

    # Ada pays on the gateway's hosted page (the sandbox) and comes back to money held in escrow.
    student.get_by_role("button", name="Pay ₦5,000").click()
    student.get_by_role("button", name="Pay ₦5,000").click()
    expect(student.get_by_text("Paid — held in escrow.", exact=False).first).to_be_visible()
    engagement = Engagement.objects.get()

    # Bola delivers.
    tutor.goto(engagement.get_absolute_url())
    tutor.get_by_label("Your answer").fill("Draw a line through the apex parallel to the base...")
    tutor.get_by_label("Files").set_input_files(str(answer))
    shoot(tutor, "engagement-deliver")
    tutor.get_by_role("button", name="Deliver").click()
    expect(tutor.get_by_text("Delivered. The student has been told")).to_be_visible()

    # Ada approves and reviews.
    student.goto(engagement.get_absolute_url())
    expect(student.get_by_role("link", name="answer.pdf")).to_be_visible()
    shoot(student, "engagement-delivered")
    student.get_by_label("I have checked the work").check()
    student.get_by_role("button", name="Approve and pay the tutor").click()
    student.get_by_role("link", name="Rate Bola Adeyemi").click()
    for group in ["Overall", "Knowledge", "Clarity", "Timeliness", "Communication"]:
        student.get_by_role("group", name=group).get_by_label("5 — excellent").check()
    student.get_by_label("Your review").fill("Finally understood parallel-line proofs.")
    shoot(student, "review-form")
    student.get_by_role("button", name="Publish review").click()
    expect(student.get_by_text("Thank you! Your review is on the tutor's profile.")).to_be_visible()

    # The review is on Bola's public profile.
    student.goto(f"/tutors/{bola.pk}/")
    expect(student.get_by_text("Finally understood parallel-line proofs.")).to_be_visible()
    expect(student.get_by_text("★ 5.0")).to_be_visible()
    shoot(student, "tutor-profile-reviewed")
    for page in (student, tutor):
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_tutor_on_a_phone_filters_the_feed_and_sees_a_new_question_at_once(phone_page, ada, bola, maths, sss3):
    def ask(title: str):
        return question_services.post_question(
            student=ada, title=title, body="Please help.", subject=maths, level=sss3,
            deadline=in_hours(30), budget=600_000, currency="NGN",
        )  # fmt: skip

    ask("Simultaneous equations by elimination")
    log_in(phone_page, "bola@example.com")
    open_menu_if_collapsed(phone_page)
    phone_page.get_by_role("navigation").get_by_role("link", name="Find questions").click()
    phone_page.get_by_label("Subject").select_option(label="Mathematics")
    phone_page.get_by_role("button", name="Show questions").click()
    expect(phone_page.get_by_role("link", name="Simultaneous equations by elimination")).to_be_visible()
    shoot(phone_page, "feed-filtered")

    # The list is shared through the cache; a question posted now still shows on the next load.
    ask("Quadratic equations by completing the square")
    phone_page.reload()

    expect(phone_page.get_by_role("link", name="Quadratic equations by completing the square")).to_be_visible()
    assert phone_page.get_by_label("Subject").input_value() == str(maths.pk)
