import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from bidding import services
from bidding.models import Bid
from engagements import services as engagement_services
from engagements.models import Engagement
from questions.models import Question
from tests.conftest import in_hours

pytestmark = pytest.mark.django_db

BID = {"amount": "4,500", "delivery_hours": "10", "message": "I will explain it with a worked example."}


def test_a_tutor_bids_and_the_question_counts_it(client, bola, question):
    client.force_login(bola)

    response = client.post(reverse("bid_place", args=[question.pk]), BID, follow=True)

    assert "Your bid is in." in response.text
    bid = Bid.objects.get()
    assert (bid.amount, bid.currency, bid.delivery_hours) == (450_000, "NGN", 10)
    question.refresh_from_db()
    assert (question.bid_count, question.lowest_bid) == (1, 450_000)


def test_the_lowest_bid_follows_edits_and_withdrawals(question, bola_bid, chen_bid, bola, chen):
    services.edit_bid(bid=bola_bid, by=bola, amount=250_000, message="cheaper", delivery_hours=12)
    question.refresh_from_db()
    assert (question.bid_count, question.lowest_bid) == (2, 250_000)

    services.withdraw_bid(bid=bola_bid, by=bola)
    question.refresh_from_db()
    assert (question.bid_count, question.lowest_bid) == (1, 300_000)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "500"}, "The smallest bid is ₦1,000."),
        ({"amount": "abc"}, "Enter an amount like 5000"),
        ({"delivery_hours": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"message": ""}, "This field is required."),
    ],
)
def test_bad_bids_are_explained_and_nothing_is_saved(client, bola, question, overrides, message):
    client.force_login(bola)

    response = client.post(reverse("bid_place", args=[question.pk]), {**BID, **overrides})

    assert response.status_code == 400
    assert message in response.text
    assert not Bid.objects.exists()


def test_a_tutor_has_one_live_bid_per_question(client, bola, bola_bid, question):
    client.force_login(bola)

    with pytest.raises(ValidationError, match="already have a bid"):
        services.place_bid(question=question, tutor=bola, amount=300_000, message="again", delivery_hours=5)
    assert Bid.objects.count() == 1


def test_a_cap_on_live_bids_stops_spam(bola, ada, maths, sss3, settings, question):
    settings.MAX_LIVE_BIDS_PER_TUTOR = 1
    services.place_bid(question=question, tutor=bola, amount=300_000, message="one", delivery_hours=5)
    other = Question.objects.get(pk=question.pk)
    other.pk = None
    other.save()

    with pytest.raises(ValidationError, match="the most allowed"):
        services.place_bid(question=other, tutor=bola, amount=300_000, message="two", delivery_hours=5)


def test_students_cannot_bid(ada, question):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.place_bid(question=question, tutor=ada, amount=300_000, message="me", delivery_hours=5)


def test_the_student_sees_every_bid_with_its_message_and_the_tutors_record(client, ada, question, bola_bid, chen_bid):
    client.force_login(ada)

    response = client.get(question.get_absolute_url())

    assert "Bola&#x27;s plan: factorise step by step." in response.text
    assert "Chen&#x27;s plan: use the formula." in response.text
    assert "New tutor" in response.text and "0 completed" in response.text
    assert "Accept for ₦4,000" in response.text


def test_a_tutor_never_sees_another_tutors_bid_message(client, chen, question, bola_bid, chen_bid):
    client.force_login(chen)

    response = client.get(question.get_absolute_url())

    assert "Chen&#x27;s plan" in response.text
    assert "Bola&#x27;s plan" not in response.text
    assert "₦4,000" not in response.text


def test_bids_sort_by_price_delivery_and_rating(client, ada, question, bola_bid, chen_bid):
    client.force_login(ada)

    def order(sort):
        return [bid.tutor.full_name for bid in client.get(question.get_absolute_url(), {"sort": sort}).context["bids"]]

    assert order("price") == ["Chen Wei", "Bola Adeyemi"]
    assert order("delivery") == ["Bola Adeyemi", "Chen Wei"]


def test_a_tutor_edits_and_withdraws_their_bid(client, bola, bola_bid):
    client.force_login(bola)

    client.post(reverse("bid_edit", args=[bola_bid.pk]), {**BID, "amount": "3500"})
    bola_bid.refresh_from_db()
    assert bola_bid.amount == 350_000

    client.post(reverse("bid_withdraw", args=[bola_bid.pk]))
    bola_bid.refresh_from_db()
    assert bola_bid.status == Bid.Status.WITHDRAWN
    assert list(bola_bid.events.values_list("to_status", flat=True)) == ["withdrawn"]


def test_a_tutor_cannot_touch_another_tutors_bid(client, chen, bola_bid):
    client.force_login(chen)

    edit = client.post(reverse("bid_edit", args=[bola_bid.pk]), {**BID, "amount": "1000"})
    withdraw = client.post(reverse("bid_withdraw", args=[bola_bid.pk]))

    assert edit.status_code == 404 and withdraw.status_code == 404
    bola_bid.refresh_from_db()
    assert (bola_bid.amount, bola_bid.status) == (400_000, Bid.Status.LIVE)


def test_accepting_a_bid_starts_an_engagement_and_tells_the_others_the_question_is_taken(
    client, ada, chen, bola_bid, chen_bid
):
    client.force_login(ada)

    response = client.post(reverse("bid_accept", args=[bola_bid.pk]), follow=True)

    engagement = Engagement.objects.get()
    assert (engagement.tutor.email, engagement.amount, engagement.status) == (
        "bola@example.com",
        400_000,
        "awaiting_payment",
    )
    assert "Pay to start the work" in response.text
    client.force_login(chen)
    assert "This question is taken" in client.get(bola_bid.question.get_absolute_url()).text


def test_a_bid_cannot_be_edited_after_acceptance(bola, engagement, bola_bid):
    with pytest.raises(ValidationError, match="no longer taking bids"):
        services.edit_bid(bid=bola_bid, by=bola, amount=100_000, message="more", delivery_hours=5)


def test_only_the_questions_student_can_accept(client, dayo, bola_bid):
    client.force_login(dayo)

    assert client.post(reverse("bid_accept", args=[bola_bid.pk])).status_code == 404
    assert not Engagement.objects.exists()


def test_a_second_accept_is_refused(client, ada, chen_bid, engagement):
    client.force_login(ada)

    response = client.post(reverse("bid_accept", args=[chen_bid.pk]), follow=True)

    assert "already been accepted" in response.text
    assert Engagement.objects.count() == 1


def test_the_question_page_makes_the_same_queries_for_1_and_many_bids(
    client, ada, question, bola_bid, django_assert_max_num_queries, django_assert_num_queries
):
    from tests.conftest import make_user

    client.force_login(ada)
    client.get(question.get_absolute_url())
    with django_assert_max_num_queries(8) as one:
        client.get(question.get_absolute_url())
    for n in range(10):
        tutor = make_user("tutor", f"t{n}@example.com", f"Tutor {n}", "")
        services.place_bid(question=question, tutor=tutor, amount=300_000 + n, message="hi", delivery_hours=5)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(question.get_absolute_url())
    assert len(response.context["bids"]) == 11


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_the_same_moment_leave_exactly_one_accepted(ada, bola_bid, chen_bid):
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(bid):
        try:
            barrier.wait()
            engagement_services.accept_bid(bid=bid, by=ada)
            outcomes.append("accepted")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(bid,)) for bid in (bola_bid, chen_bid)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted", "question_taken"]
    assert Bid.objects.filter(status=Bid.Status.ACCEPTED).count() == 1
    assert Engagement.objects.count() == 1


def test_bids_past_the_questions_deadline_are_refused(bola, question):
    Question.objects.filter(pk=question.pk).update(deadline=in_hours(-1))
    question.refresh_from_db()

    with pytest.raises(ValidationError, match="no longer taking bids"):
        services.place_bid(question=question, tutor=bola, amount=300_000, message="late", delivery_hours=5)
