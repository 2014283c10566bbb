"""Questions through the API: post, read, edit, cancel, files, the feed and a student's own list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from questions.models import Attachment, Question
from tests.api.conftest import error_code, in_hours, pdf

pytestmark = pytest.mark.django_db


def new_question(maths, sss3, **changes) -> dict:
    fields = {
        "title": "Balance a redox equation",
        "body": "Fe2+ and MnO4- in acid.",
        "subject": maths.slug,
        "level": sss3.slug,
        "deadline": in_hours(24).isoformat(),
        "budget": 300_000,
    }
    return fields | changes


def test_a_student_posts_a_question_with_money_in_minor_units(as_ada, ada, maths, sss3):
    response = as_ada.post("/questions", new_question(maths, sss3))

    assert response.status_code == 201
    assert response.json()["budget"] == {"amount": 300_000, "currency": "NGN", "display": "₦3,000"}
    assert response.json()["is_owner"] is True
    assert Question.objects.get().student == ada


def test_the_body_is_rendered_and_sanitised(as_ada, maths, sss3):
    body = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"

    html = as_ada.post("/questions", new_question(maths, sss3, body=body)).json()["body_html"]

    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html


def test_a_budget_below_the_minimum_is_a_field_error_and_nothing_is_saved(as_ada, maths, sss3):
    response = as_ada.post("/questions", new_question(maths, sss3, budget=100))

    assert response.status_code == 400
    assert "The smallest budget in NGN is ₦1,000." in response.json()["error"]["fields"]["budget"]
    assert not Question.objects.exists()


def test_missing_and_malformed_fields_are_a_422_naming_each_field(as_ada, maths, sss3):
    response = as_ada.post("/questions", {"title": "", "budget": "lots", "deadline": "tomorrow"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"title", "body", "subject", "level", "budget", "deadline"} <= set(error["fields"])
    assert not Question.objects.exists()


def test_a_deadline_without_a_time_zone_is_refused(as_ada, maths, sss3):
    response = as_ada.post("/questions", new_question(maths, sss3, deadline="2030-01-01T10:00:00"))

    assert response.status_code == 422
    assert "deadline" in response.json()["error"]["fields"]


def test_an_unknown_subject_is_a_field_error(as_ada, maths, sss3):
    response = as_ada.post("/questions", new_question(maths, sss3, subject="alchemy"))

    assert response.status_code == 400
    assert "subject" in response.json()["error"]["fields"]


def test_text_with_a_nul_character_is_refused(as_ada, maths, sss3):
    response = as_ada.post("/questions", new_question(maths, sss3, title="a\x00b"))

    assert response.status_code == 422
    assert not Question.objects.exists()


def test_malformed_json_is_a_400_with_the_error_shape(as_ada):
    response = as_ada.client.post(
        "/api/v1/questions", "{not json", content_type="application/json", headers=as_ada._headers()
    )

    assert response.status_code == 400
    assert error_code(response) == "bad_request"


def test_a_tutor_cannot_post_a_question(as_bola, maths, sss3):
    response = as_bola.post("/questions", new_question(maths, sss3))

    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert not Question.objects.exists()


def test_the_student_reads_her_question_with_its_files(as_ada, question):
    body = as_ada.get(f"/questions/{question.pk}").json()

    assert body["title"] == "Solve a quadratic equation"
    assert body["attachments"][0]["name"] == "worksheet.pdf"


def test_a_tutor_reads_an_open_question_but_not_its_files_before_bidding(as_chen, question):
    body = as_chen.get(f"/questions/{question.pk}").json()

    assert body["attachments"] is None
    assert body["attachment_count"] == 1


def test_a_tutor_who_bid_downloads_the_files_as_attachments(as_bola, question, bola_bid):
    url = as_bola.get(f"/questions/{question.pk}").json()["attachments"][0]["url"]

    response = as_bola.client.get(url, headers=as_bola._headers())

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_student_edits_only_the_fields_she_sends(as_ada, question):
    response = as_ada.patch(f"/questions/{question.pk}", {"title": "Factorise a quadratic"})

    assert response.status_code == 200
    question.refresh_from_db()
    assert question.title == "Factorise a quadratic"
    assert question.budget == 500_000


def test_a_question_cannot_be_edited_after_a_bid_is_accepted(as_ada, question, engagement):
    response = as_ada.patch(f"/questions/{question.pk}", {"title": "Changed my mind"})

    assert response.status_code == 400
    assert error_code(response) == "not_editable"
    question.refresh_from_db()
    assert question.title == "Solve a quadratic equation"


def test_the_student_cancels_an_open_question(as_ada, question):
    response = as_ada.post(f"/questions/{question.pk}/cancel", {"reason": "Solved it myself"})

    assert response.json()["status"] == "cancelled"


def test_cancelling_twice_is_a_state_error(as_ada, question):
    as_ada.post(f"/questions/{question.pk}/cancel")

    response = as_ada.post(f"/questions/{question.pk}/cancel")

    assert response.status_code == 400
    assert error_code(response) == "invalid"


def test_the_student_attaches_more_files(as_ada, question):
    response = as_ada.upload(f"/questions/{question.pk}/attachments", {"files": [pdf("page2.pdf"), pdf("page3.pdf")]})

    assert response.status_code == 201
    assert [item["name"] for item in response.json()["attachments"]] == ["worksheet.pdf", "page2.pdf", "page3.pdf"]


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_attached(as_ada, question):
    fake = SimpleUploadedFile("homework.pdf", b"MZ\x90\x00 a program, not a PDF", content_type="application/pdf")

    response = as_ada.upload(f"/questions/{question.pk}/attachments", {"files": [pdf("ok.pdf"), fake]})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "file_type"
    assert "files" in response.json()["error"]["fields"]
    assert Attachment.objects.count() == 1


def test_the_feed_lists_open_questions_newest_first_for_tutors(as_bola, question, ada, maths, sss3, as_ada):
    newer = as_ada.post("/questions", new_question(maths, sss3)).json()["id"]

    items = as_bola.get("/questions").json()["items"]

    assert [item["id"] for item in items] == [newer, question.pk]


def test_the_feed_filters_by_subject_budget_and_due_time(as_bola, as_ada, question, physics, sss3):
    as_ada.post("/questions", new_question(physics, sss3, budget=2_000_000, deadline=in_hours(100).isoformat()))

    def ids(**params):
        return [item["id"] for item in as_bola.get("/questions", params).json()["items"]]

    assert ids(subject="mathematics") == [question.pk]
    assert ids(budget_max=600_000) == [question.pk]
    assert ids(due_within_hours=72) == [question.pk]
    assert len(ids(budget_min=1_000_000)) == 1


def test_the_feed_pages_with_a_cursor(as_bola, as_ada, question, maths, sss3):
    as_ada.post("/questions", new_question(maths, sss3))

    first = as_bola.get("/questions", {"limit": 1}).json()
    second = as_bola.get("/questions", {"limit": 1, "cursor": first["next_cursor"]}).json()

    assert second["items"][0]["id"] == question.pk
    assert second["next_cursor"] is None


def test_a_damaged_cursor_is_a_field_error(as_bola, question):
    response = as_bola.get("/questions", {"cursor": "bm9wZQ"})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_the_feed_is_for_tutors(as_ada, question):
    assert as_ada.get("/questions").status_code == 403


def test_a_student_lists_her_own_questions_whatever_their_status(as_ada, question, as_dayo):
    as_ada.post(f"/questions/{question.pk}/cancel")

    assert [item["status"] for item in as_ada.get("/questions/mine").json()["items"]] == ["cancelled"]
    assert as_dayo.get("/questions/mine").json()["items"] == []


def test_a_cancel_needs_no_body(as_ada, question):
    response = as_ada.client.post(
        f"/api/v1/questions/{question.pk}/cancel", "", content_type="application/json", headers=as_ada._headers()
    )

    assert response.json()["status"] == "cancelled"
