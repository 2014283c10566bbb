"""Engagements through the API: list, read, deliver, approve, revise, dispute, cancel, review."""

import pytest

from engagements.models import Engagement
from reviews.models import Review
from tests.api.conftest import error_code, pdf

pytestmark = pytest.mark.django_db

REVIEW = {"overall": 4, "knowledge": 5, "clarity": 4, "timeliness": 3, "communication": 4, "text": "Helpful."}


def status_of(engagement) -> str:
    engagement.refresh_from_db()
    return engagement.status


def test_both_sides_list_their_engagements(as_ada, as_bola, as_chen, engagement):
    assert [item["id"] for item in as_ada.get("/engagements").json()["items"]] == [engagement.pk]
    assert [item["id"] for item in as_bola.get("/engagements").json()["items"]] == [engagement.pk]
    assert as_chen.get("/engagements").json()["items"] == []


def test_the_list_filters_by_status(as_ada, engagement):
    assert as_ada.get("/engagements", {"status": "completed"}).json()["items"] == []
    assert len(as_ada.get("/engagements", {"status": "awaiting_payment"}).json()["items"]) == 1


def test_an_unknown_status_filter_is_a_422(as_ada, engagement):
    response = as_ada.get("/engagements", {"status": "paid"})

    assert response.status_code == 422
    assert "status" in response.json()["error"]["fields"]


def test_the_engagement_shows_its_deliveries_and_history(as_ada, delivered):
    body = as_ada.get(f"/engagements/{delivered.pk}").json()

    assert body["status"] == "delivered"
    assert body["deliveries"][0]["files"][0]["name"] == "answer.pdf"
    assert [event["to_status"] for event in body["events"]] == ["in_progress", "delivered"]


def test_the_student_downloads_a_delivered_file(as_ada, delivered):
    url = as_ada.get(f"/engagements/{delivered.pk}").json()["deliveries"][0]["files"][0]["url"]

    response = as_ada.client.get(url, headers=as_ada._headers())

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_an_empty_delivery_is_a_field_error(as_bola, funded):
    response = as_bola.upload(f"/engagements/{funded.pk}/deliver", {"message": ""})

    assert response.status_code == 400
    assert "message" in response.json()["error"]["fields"]
    assert status_of(funded) == Engagement.Status.IN_PROGRESS


def test_delivering_before_payment_is_a_state_error(as_bola, engagement):
    response = as_bola.upload(f"/engagements/{engagement.pk}/deliver", {"message": "Done", "files": [pdf()]})

    assert response.status_code == 400
    assert error_code(response) == "invalid_state"
    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT


def test_only_the_tutor_delivers(as_ada, funded):
    response = as_ada.upload(f"/engagements/{funded.pk}/deliver", {"message": "I did it myself"})

    assert response.status_code == 403
    assert status_of(funded) == Engagement.Status.IN_PROGRESS


def test_the_student_asks_for_a_revision_with_a_reason(as_ada, delivered):
    response = as_ada.post(f"/engagements/{delivered.pk}/revision", {"reason": "Show the factorising."})

    assert response.json()["status"] == "in_progress"
    assert response.json()["revisions_used"] == 1


def test_a_revision_needs_a_reason(as_ada, delivered):
    response = as_ada.post(f"/engagements/{delivered.pk}/revision", {"reason": "  "})

    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    assert status_of(delivered) == Engagement.Status.DELIVERED


def test_either_side_opens_a_dispute(as_bola, delivered):
    response = as_bola.post(f"/engagements/{delivered.pk}/dispute", {"reason": "The student stopped answering."})

    assert response.json()["status"] == "disputed"


def test_either_side_cancels_before_payment(as_bola, engagement):
    response = as_bola.post(f"/engagements/{engagement.pk}/cancel", {"reason": "Ill"})

    assert response.json()["status"] == "cancelled"


def test_the_student_cannot_cancel_work_in_progress_that_is_not_late(as_ada, funded):
    response = as_ada.post(f"/engagements/{funded.pk}/cancel")

    assert response.status_code == 403
    assert status_of(funded) == Engagement.Status.IN_PROGRESS


def test_the_student_reviews_completed_work(as_ada, completed):
    response = as_ada.post(f"/engagements/{completed.pk}/review", REVIEW)

    assert response.status_code == 201
    assert response.json()["overall"] == 4
    assert as_ada.get(f"/engagements/{completed.pk}").json()["review_id"] == response.json()["id"]


def test_a_review_before_approval_is_refused(as_ada, delivered):
    response = as_ada.post(f"/engagements/{delivered.pk}/review", REVIEW)

    assert response.status_code == 400
    assert error_code(response) == "not_completed"
    assert not Review.objects.exists()


def test_stars_out_of_range_are_a_422_and_nothing_is_saved(as_ada, completed):
    response = as_ada.post(f"/engagements/{completed.pk}/review", REVIEW | {"overall": 6, "clarity": 0})

    assert response.status_code == 422
    assert {"overall", "clarity"} <= set(response.json()["error"]["fields"])
    assert not Review.objects.exists()


def test_a_second_review_is_refused(as_ada, completed):
    as_ada.post(f"/engagements/{completed.pk}/review", REVIEW)

    response = as_ada.post(f"/engagements/{completed.pk}/review", REVIEW)

    assert error_code(response) == "already_reviewed"
    assert Review.objects.count() == 1


def test_a_tutors_public_profile_needs_no_login(anonymous, bola, completed):
    body = anonymous.get(f"/tutors/{bola.pk}").json()

    assert body["headline"] == "Maths and physics teacher, 8 years"
    assert body["stats"]["completed_count"] == 1
    assert [subject["slug"] for subject in body["subjects"]] == ["mathematics", "physics"]


def test_a_student_has_no_tutor_profile(anonymous, ada):
    assert anonymous.get(f"/tutors/{ada.pk}").status_code == 404


def test_a_delivery_may_be_files_alone(as_bola, funded):
    response = as_bola.upload(f"/engagements/{funded.pk}/deliver", {"files": [pdf("answer.pdf")]})

    assert response.status_code == 201
    assert response.json()["deliveries"][0]["message"] == ""
