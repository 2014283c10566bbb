"""The whole marketplace loop, driven through the API only (staff's payment stand-in aside)."""

import pytest

from engagements.models import Engagement
from tests.api.conftest import in_hours, pdf
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db


def test_a_question_goes_from_posting_to_a_review_on_the_tutors_profile(as_ada, as_bola, bola, staff, maths, sss3):
    posted = as_ada.post(
        "/questions",
        {
            "title": "Integrate x·sin(x)",
            "body": "By parts, please.",
            "subject": maths.slug,
            "level": sss3.slug,
            "deadline": in_hours(30).isoformat(),
            "budget": 500_000,
            "currency": "NGN",
        },
    )
    assert posted.status_code == 201, posted.json()
    question_id = posted.json()["id"]

    found = as_bola.get("/questions", {"q": "integrate"}).json()["items"]
    assert [item["id"] for item in found] == [question_id]

    bid = as_bola.post(f"/questions/{question_id}/bids", {"amount": 450_000, "message": "Easy.", "delivery_hours": 6})
    assert bid.status_code == 201, bid.json()

    accepted = as_ada.post(f"/bids/{bid.json()['id']}/accept")
    assert accepted.status_code == 201
    engagement_id = accepted.json()["id"]
    assert accepted.json()["status"] == "awaiting_payment"

    pay_in_sandbox(Engagement.objects.get(pk=engagement_id))  # the student pays on the hosted checkout

    delivered = as_bola.upload(
        f"/engagements/{engagement_id}/deliver", {"message": "u = x, dv = sin x dx ...", "files": [pdf("working.pdf")]}
    )
    assert delivered.status_code == 201, delivered.json()
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["deliveries"][0]["files"][0]["name"] == "working.pdf"

    approved = as_ada.post(f"/engagements/{engagement_id}/approve")
    assert approved.json()["status"] == "completed"

    reviewed = as_ada.post(
        f"/engagements/{engagement_id}/review",
        {"overall": 5, "knowledge": 5, "clarity": 4, "timeliness": 5, "communication": 4, "text": "Clear and quick."},
    )
    assert reviewed.status_code == 201, reviewed.json()

    profile = as_ada.get(f"/tutors/{bola.pk}").json()
    assert profile["stats"]["rating"] == 5.0
    assert profile["stats"]["completed_count"] == 1
    assert profile["recent_reviews"][0]["text"] == "Clear and quick."
    assert as_ada.get(f"/tutors/{bola.pk}/reviews").json()["items"][0]["student"]["name"] == "Ada"
