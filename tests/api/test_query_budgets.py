"""Every list endpoint makes the same number of queries for 1 row as for 50, and at most 5."""

import pytest

from accounts.models import User
from bidding import services as bid_services
from engagements import services as engagement_services
from payments import services as payment_services
from questions import services as question_services
from reviews import services as review_services
from tests.api.conftest import in_hours
from tests.queries import count_queries
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db

BUDGET = 5


def post(student, maths, sss3):
    return question_services.post_question(
        student=student,
        title="A question",
        body="Details",
        subject=maths,
        level=sss3,
        deadline=in_hours(48),
        budget=500_000,
        currency="NGN",
    )


def new_tutor(n: int) -> User:
    return User.objects.create_user(f"tutor{n}@example.com", "x", full_name=f"Tutor {n}", role=User.Role.TUTOR)


def bid(question, tutor):
    return bid_services.place_bid(question=question, tutor=tutor, amount=200_000, message="Hi", delivery_hours=5)


def completed_engagement(ada, bola, staff, maths, sss3):
    engagement = engagement_services.accept_bid(bid=bid(post(ada, maths, sss3), bola), by=ada)
    pay_in_sandbox(engagement)
    engagement_services.deliver_work(engagement=engagement, by=bola, message="Done")
    return payment_services.approve_and_release(engagement=engagement, by=ada)


def assert_flat(client, path, grow, django_assert_num_queries, params=None):
    """Count the queries with one row, grow to 50 rows, and require the same count."""
    client.get(path, params)  # the token's last-used time is written once, then left for a minute
    one_row, first = count_queries(lambda: client.get(path, params))
    assert len(first.json()["items"] if isinstance(first.json(), dict) else first.json()) == 1
    grow()
    many_rows, response = count_queries(lambda: client.get(path, {"limit": 50, **(params or {})}))
    assert len(response.json()["items"] if isinstance(response.json(), dict) else response.json()) == 50
    assert many_rows == one_row
    assert 0 < one_row <= BUDGET


def test_the_feed(as_bola, ada, maths, sss3, django_assert_num_queries):
    post(ada, maths, sss3)

    def grow():
        for _ in range(49):
            post(ada, maths, sss3)

    assert_flat(as_bola, "/questions", grow, django_assert_num_queries)


def test_the_filtered_feed(as_bola, ada, maths, sss3, django_assert_num_queries):
    post(ada, maths, sss3)

    def grow():
        for _ in range(49):
            post(ada, maths, sss3)

    params = {"subject": "mathematics", "q": "question", "budget_max": 600_000}
    assert_flat(as_bola, "/questions", grow, django_assert_num_queries, params)


def test_a_students_questions(as_ada, ada, maths, sss3, django_assert_num_queries):
    post(ada, maths, sss3)

    def grow():
        for _ in range(49):
            post(ada, maths, sss3)

    assert_flat(as_ada, "/questions/mine", grow, django_assert_num_queries)


def test_a_questions_bids(as_ada, question, bola, django_assert_num_queries):
    bid(question, bola)

    def grow():
        for n in range(49):
            bid(question, new_tutor(n))

    assert_flat(as_ada, f"/questions/{question.pk}/bids", grow, django_assert_num_queries)


def test_engagements(as_ada, ada, bola, maths, sss3, django_assert_num_queries):
    engagement_services.accept_bid(bid=bid(post(ada, maths, sss3), bola), by=ada)

    def grow():
        for _ in range(49):
            engagement_services.accept_bid(bid=bid(post(ada, maths, sss3), bola), by=ada)

    assert_flat(as_ada, "/engagements", grow, django_assert_num_queries)


def test_a_tutors_reviews(anonymous, ada, bola, staff, maths, sss3, django_assert_num_queries):
    def review_one():
        engagement = completed_engagement(ada, bola, staff, maths, sss3)
        ratings = {"overall": 5, "knowledge": 5, "clarity": 5, "timeliness": 5, "communication": 5}
        review_services.create_review(engagement=engagement, by=ada, text="Good", **ratings)

    review_one()

    def grow():
        for _ in range(49):
            review_one()

    assert_flat(anonymous, f"/tutors/{bola.pk}/reviews", grow, django_assert_num_queries)


def test_conversations(as_bola, ada, bola, maths, sss3, django_assert_num_queries, settings):
    from chat import services as chat_services

    settings.MAX_LIVE_BIDS_PER_TUTOR = 50

    def talk():
        conversation = chat_services.open_conversation(bid=bid(post(ada, maths, sss3), bola), by=ada)
        chat_services.post_message(conversation=conversation, by=ada, text="Hello", client_id="hello-0001")

    talk()

    def grow():
        for _ in range(49):
            talk()

    assert_flat(as_bola, "/conversations", grow, django_assert_num_queries)


def test_a_conversations_messages(as_bola, ada, bola_bid, django_assert_num_queries):
    from chat import services as chat_services
    from tests.conftest import pdf

    conversation = chat_services.open_conversation(bid=bola_bid, by=ada)

    def say(n: int) -> None:
        files = [pdf()] if n % 2 else []
        chat_services.post_message(conversation=conversation, by=ada, text=f"m{n}", files=files, client_id=f"m-{n:06}")

    say(1)

    def grow():
        for n in range(2, 51):
            say(n)

    assert_flat(as_bola, f"/conversations/{conversation.pk}/messages", grow, django_assert_num_queries)
