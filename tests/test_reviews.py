from datetime import timedelta

import pytest
from django.urls import reverse

from bidding import services as bid_services
from bidding.models import TutorStats
from engagements import services as engagement_services
from payments import services as payment_services
from questions import services as question_services
from reviews import services
from reviews.models import Review
from tests.conftest import in_hours
from tests.queries import count_queries
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db

STARS = {"overall": "5", "knowledge": "5", "clarity": "4", "timeliness": "5", "communication": "3"}


def review(engagement, student, **overrides):
    ratings = {"overall": 4, "knowledge": 4, "clarity": 4, "timeliness": 4, "communication": 4}
    return services.create_review(
        engagement=engagement, by=student, text="Clear and patient.", **{**ratings, **overrides}
    )


def test_a_student_rates_the_tutor_and_it_shows_on_the_tutors_profile(client, ada, bola, completed):
    client.force_login(ada)

    client.post(reverse("engagement_review", args=[completed.pk]), {**STARS, "text": "Explained factorising well."})
    profile = client.get(reverse("tutor_profile", args=[bola.pk])).text

    assert "★ 5.0" in profile
    assert "Explained factorising well." in profile
    assert "Clarity</span> <strong>4.0" in profile
    assert "Communication</span> <strong>3.0" in profile
    assert "100%" in profile  # on time


def test_ratings_average_over_reviews(ada, bola, completed, staff):
    review(completed, ada, overall=3)

    stats = TutorStats.objects.get(tutor=bola)
    assert (stats.review_count, stats.rating) == (1, 3.0)


@pytest.mark.parametrize("bad", [{"overall": "6"}, {"clarity": "0"}, {"text": ""}, {"knowledge": "abc"}])
def test_bad_ratings_are_explained_and_nothing_is_saved(client, ada, completed, bad):
    client.force_login(ada)

    response = client.post(reverse("engagement_review", args=[completed.pk]), {**STARS, "text": "ok", **bad})

    assert response.status_code == 400
    assert not Review.objects.exists()


def test_one_review_per_engagement_and_the_form_edits_it(client, ada, completed):
    review(completed, ada)
    client.force_login(ada)

    client.post(reverse("engagement_review", args=[completed.pk]), {**STARS, "text": "Changed my mind: great."})

    assert Review.objects.count() == 1
    assert Review.objects.get().text == "Changed my mind: great."
    assert TutorStats.objects.get(tutor=completed.tutor).rating == 5.0


def test_a_review_is_final_after_the_edit_window(client, ada, completed, settings):
    old = review(completed, ada)
    Review.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(hours=settings.REVIEW_EDIT_HOURS + 1))
    client.force_login(ada)

    response = client.post(reverse("engagement_review", args=[completed.pk]), {**STARS, "text": "Edited late"})

    assert "this one is now final" in response.text
    assert Review.objects.get().text == "Clear and patient."


def test_work_not_yet_approved_cannot_be_reviewed(client, ada, delivered):
    client.force_login(ada)

    response = client.post(reverse("engagement_review", args=[delivered.pk]), {**STARS, "text": "early"})

    assert "once the work is approved" in response.text
    assert not Review.objects.exists()


def test_only_the_engagements_student_can_review(client, dayo, bola, completed):
    client.force_login(dayo)
    assert client.post(reverse("engagement_review", args=[completed.pk]), {**STARS, "text": "x"}).status_code == 404

    client.force_login(bola)
    assert client.post(reverse("engagement_review", args=[completed.pk]), {**STARS, "text": "Me"}).status_code == 403
    assert not Review.objects.exists()


def test_the_tutor_replies_once_in_public(client, ada, bola, completed):
    posted = review(completed, ada)
    client.force_login(bola)

    client.post(reverse("review_reply", args=[posted.pk]), {"text": "Thank you, Ada!"})
    second = client.post(reverse("review_reply", args=[posted.pk]), {"text": "Again"}, follow=True)

    assert "You have already replied" in second.text
    assert "Bola replied:</strong> Thank you, Ada!" in client.get(reverse("tutor_profile", args=[bola.pk])).text


def test_nobody_else_can_reply_to_a_review(client, ada, chen, completed):
    posted = review(completed, ada)
    client.force_login(chen)

    assert client.post(reverse("review_reply", args=[posted.pk]), {"text": "fake"}).status_code == 404
    assert Review.objects.get().reply == ""


def test_staff_hide_a_review_and_it_leaves_the_profile_and_the_average(client, ada, bola, staff, completed):
    posted = review(completed, ada, overall=1)
    client.force_login(staff)

    client.post("/admin/reviews/review/", {"action": "hide", "_selected_action": [posted.pk]})

    assert "Clear and patient." not in client.get(reverse("tutor_profile", args=[bola.pk])).text
    assert TutorStats.objects.get(tutor=bola).review_count == 0


def completed_engagement(student, tutor, subject, level, staff):
    question = question_services.post_question(
        student=student,
        title="Another question",
        body="More help please.",
        subject=subject,
        level=level,
        deadline=in_hours(24),
        budget=500_000,
        currency="NGN",
    )
    bid = bid_services.place_bid(question=question, tutor=tutor, amount=300_000, message="Yes", delivery_hours=4)
    engagement = engagement_services.accept_bid(bid=bid, by=student)
    pay_in_sandbox(engagement)
    engagement_services.deliver_work(engagement=engagement, by=tutor, message="Done")
    return payment_services.approve_and_release(engagement=engagement, by=student)


def test_the_tutor_profile_makes_the_same_queries_for_1_and_many_reviews(
    client, ada, bola, staff, maths, sss3, completed
):
    review(completed, ada)
    url = reverse("tutor_profile", args=[bola.pk])
    client.get(url)
    one, _ = count_queries(lambda: client.get(url))
    for _ in range(5):
        review(completed_engagement(ada, bola, maths, sss3, staff), ada)
    many, response = count_queries(lambda: client.get(url))

    assert 0 < one <= 8
    assert many == one
    assert response.text.count("Clear and patient.") == 6
