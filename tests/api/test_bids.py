"""Bids through the API: list (who sees what), place, edit, withdraw, accept."""

import pytest

from bidding.models import Bid
from engagements.models import Engagement
from questions.models import Question
from tests.api.conftest import error_code

pytestmark = pytest.mark.django_db


def test_the_student_sees_every_bid_with_its_message_cheapest_first(as_ada, question, bola_bid, chen_bid):
    bids = as_ada.get(f"/questions/{question.pk}/bids").json()

    assert [bid["tutor"]["name"] for bid in bids] == ["Chen Wei", "Bola Adeyemi"]
    assert bids[1]["message"] == "Bola's plan: factorise step by step."
    assert bids[1]["amount"] == {"amount": 400_000, "currency": "NGN", "display": "₦4,000"}


def test_the_student_sorts_bids_by_delivery_time(as_ada, question, bola_bid, chen_bid):
    bids = as_ada.get(f"/questions/{question.pk}/bids", {"sort": "delivery"}).json()

    assert [bid["delivery_hours"] for bid in bids] == [12, 24]


def test_a_tutor_places_a_bid(as_bola, question):
    response = as_bola.post(
        f"/questions/{question.pk}/bids", {"amount": 450_000, "message": "I can help.", "delivery_hours": 8}
    )

    assert response.status_code == 201
    assert response.json()["status"] == "live"
    question.refresh_from_db()
    assert (question.bid_count, question.lowest_bid) == (1, 450_000)


def test_a_bid_below_the_minimum_is_a_field_error_and_nothing_is_saved(as_bola, question):
    response = as_bola.post(f"/questions/{question.pk}/bids", {"amount": 5, "message": "Cheap!", "delivery_hours": 8})

    assert response.status_code == 400
    assert "amount" in response.json()["error"]["fields"]
    assert not Bid.objects.exists()


def test_a_bid_with_missing_fields_is_a_422(as_bola, question):
    response = as_bola.post(f"/questions/{question.pk}/bids", {"amount": -1, "delivery_hours": 0})

    assert response.status_code == 422
    assert {"amount", "message", "delivery_hours"} <= set(response.json()["error"]["fields"])
    assert not Bid.objects.exists()


def test_a_second_bid_on_the_same_question_is_refused(as_bola, question, bola_bid):
    response = as_bola.post(
        f"/questions/{question.pk}/bids", {"amount": 450_000, "message": "Again", "delivery_hours": 8}
    )

    assert response.status_code == 400
    assert error_code(response) == "already_bid"
    assert Bid.objects.count() == 1


def test_a_student_cannot_bid(as_dayo, as_ada, question):
    response = as_ada.post(f"/questions/{question.pk}/bids", {"amount": 450_000, "message": "Me", "delivery_hours": 8})

    assert response.status_code == 403
    assert not Bid.objects.exists()


def test_a_tutor_edits_their_bid(as_bola, bola_bid):
    response = as_bola.patch(f"/bids/{bola_bid.pk}", {"amount": 350_000})

    assert response.json()["amount"]["amount"] == 350_000
    assert response.json()["message"] == "Bola's plan: factorise step by step."
    assert Question.objects.get().lowest_bid == 350_000


def test_a_tutor_withdraws_their_bid(as_bola, bola_bid):
    response = as_bola.post(f"/bids/{bola_bid.pk}/withdraw")

    assert response.json()["status"] == "withdrawn"
    assert Question.objects.get().bid_count == 0


def test_the_student_accepts_a_bid_and_the_engagement_awaits_payment(as_ada, bola_bid, chen_bid):
    response = as_ada.post(f"/bids/{bola_bid.pk}/accept")

    assert response.status_code == 201
    assert response.json()["status"] == "awaiting_payment"
    assert response.json()["price"]["display"] == "₦4,000"
    assert Question.objects.get().status == Question.Status.ASSIGNED


def test_a_second_accept_on_the_same_question_is_refused(as_ada, bola_bid, chen_bid):
    as_ada.post(f"/bids/{bola_bid.pk}/accept")

    response = as_ada.post(f"/bids/{chen_bid.pk}/accept")

    assert response.status_code == 400
    assert error_code(response) == "question_taken"
    assert Engagement.objects.count() == 1
