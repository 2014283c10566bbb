"""Wrong users get a 403 or 404 and change nothing: what the pages refuse, the API refuses too."""

import pytest

from bidding.models import Bid
from engagements.models import Engagement
from questions.models import Attachment, Question
from reviews.models import Review
from tests.api.conftest import error_code, pdf
from tests.api.test_engagements import REVIEW

pytestmark = pytest.mark.django_db


def test_a_stranger_cannot_see_adas_engagement(as_dayo, engagement):
    response = as_dayo.get(f"/engagements/{engagement.pk}")

    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert as_dayo.get("/engagements").json()["items"] == []


def test_a_stranger_cannot_see_adas_question_or_its_files(as_dayo, question):
    attachment = Attachment.objects.get()

    assert as_dayo.get(f"/questions/{question.pk}").status_code == 404
    assert as_dayo.get(f"/attachments/{attachment.pk}").status_code == 404


def test_a_tutor_who_did_not_bid_cannot_download_the_files(as_chen, question):
    assert as_chen.get(f"/attachments/{Attachment.objects.get().pk}").status_code == 404


def test_a_stranger_cannot_download_delivered_files(as_dayo, as_chen, delivered):
    file_id = delivered.deliveries.get().files.get().pk

    assert as_dayo.get(f"/delivery-files/{file_id}").status_code == 404
    assert as_chen.get(f"/delivery-files/{file_id}").status_code == 404


def test_a_stranger_cannot_edit_adas_question(as_dayo, question):
    response = as_dayo.patch(f"/questions/{question.pk}", {"title": "Mine now"})

    assert response.status_code == 404
    question.refresh_from_db()
    assert question.title == "Solve a quadratic equation"


def test_a_stranger_cannot_cancel_adas_question(as_dayo, question):
    response = as_dayo.post(f"/questions/{question.pk}/cancel")

    assert response.status_code == 404
    assert Question.objects.get().status == Question.Status.OPEN


def test_a_stranger_cannot_attach_files_to_adas_question(as_dayo, question):
    response = as_dayo.upload(f"/questions/{question.pk}/attachments", {"files": [pdf("spam.pdf")]})

    assert response.status_code == 404
    assert Attachment.objects.count() == 1


def test_a_stranger_cannot_accept_a_bid_on_adas_question(as_dayo, bola_bid):
    response = as_dayo.post(f"/bids/{bola_bid.pk}/accept")

    assert response.status_code == 404
    assert not Engagement.objects.exists()
    assert Bid.objects.get().status == Bid.Status.LIVE


def test_a_tutor_cannot_accept_their_own_bid(as_bola, bola_bid):
    assert as_bola.post(f"/bids/{bola_bid.pk}/accept").status_code == 404
    assert not Engagement.objects.exists()


def test_a_stranger_cannot_review_an_engagement_he_was_not_in(as_dayo, completed):
    response = as_dayo.post(f"/engagements/{completed.pk}/review", REVIEW)

    assert response.status_code == 404
    assert not Review.objects.exists()


def test_the_tutor_cannot_review_his_own_work(as_bola, completed):
    response = as_bola.post(f"/engagements/{completed.pk}/review", REVIEW)

    assert response.status_code == 403
    assert not Review.objects.exists()


def test_chen_cannot_see_bolas_bid_message(as_chen, question, bola_bid, chen_bid):
    bids = as_chen.get(f"/questions/{question.pk}/bids").json()

    assert [bid["tutor"]["name"] for bid in bids] == ["Chen Wei"]
    assert "Bola's plan" not in str(bids)


def test_a_tutor_cannot_edit_or_withdraw_another_tutors_bid(as_chen, bola_bid):
    assert as_chen.patch(f"/bids/{bola_bid.pk}", {"amount": 100_000}).status_code == 404
    assert as_chen.post(f"/bids/{bola_bid.pk}/withdraw").status_code == 404
    bola_bid.refresh_from_db()
    assert (bola_bid.amount, bola_bid.status) == (400_000, Bid.Status.LIVE)


@pytest.mark.parametrize("action", ["approve", "revision", "dispute", "cancel"])
def test_a_stranger_cannot_act_on_adas_engagement(as_dayo, delivered, action):
    response = as_dayo.post(f"/engagements/{delivered.pk}/{action}", {"reason": "Because"})

    assert response.status_code == 404
    delivered.refresh_from_db()
    assert delivered.status == Engagement.Status.DELIVERED


def test_the_tutor_cannot_approve_his_own_delivery(as_bola, delivered):
    assert as_bola.post(f"/engagements/{delivered.pk}/approve").status_code == 403
    delivered.refresh_from_db()
    assert delivered.status == Engagement.Status.DELIVERED


def test_an_unknown_api_path_is_a_json_404(as_ada):
    response = as_ada.get("/no/such/thing")

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_a_huge_id_is_a_422_not_a_database_error(as_ada):
    response = as_ada.get(f"/questions/{2**70}")

    assert response.status_code == 422
    assert "question_id" in response.json()["error"]["fields"]
