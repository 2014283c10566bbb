"""Matching follows what users do through the API at once, not at the next hourly refresh.

Each API call runs in `committed()`: its transaction commits, then what waits for the commit
runs (the re-indexing tasks, inline in tests), as after a real request. The clock never runs.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from catalog.models import Subject
from engagements.models import Engagement
from tests.api.conftest import ApiClient, in_hours
from tests.sandbox import pay_in_sandbox
from tests.test_recommendations import tutor

pytestmark = pytest.mark.django_db

PROJECTILE = {
    "title": "Projectile motion: time of flight",
    "body": "A ball is thrown at 20 m/s at 30 degrees to the horizontal. Find the time of flight and range.",
    "subject": "physics",
}
REDOX = {
    "title": "Balancing redox equations in acid",
    "body": "Balance MnO4- + Fe2+ to Mn2+ + Fe3+ in acid. I keep getting the electrons wrong.",
    "subject": "chemistry",
}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_tutor(email: str, name: str, *, subject: str, headline: str) -> User:
    return tutor(email, name, subjects=[Subject.objects.get(slug=subject)], headline=headline)


@pytest.fixture
def funmi(committed):
    """A physics tutor who has just saved her profile."""
    with committed():
        return make_tutor(
            "funmi@example.com", "Funmi Physics", subject="physics", headline="Physics: projectile motion and waves"
        )


@pytest.fixture
def kemi(committed):
    """A chemistry tutor who has just saved her profile."""
    with committed():
        return make_tutor(
            "kemi@example.com", "Kemi Chemistry", subject="chemistry", headline="Chemistry: redox, balancing equations"
        )


@pytest.fixture
def as_funmi(funmi):
    return ApiClient(funmi)


def post_question(as_student, committed, fields: dict) -> int:
    body = {**fields, "level": "sss-3", "deadline": in_hours(48).isoformat(), "budget": 500_000, "currency": "NGN"}
    with committed():
        response = as_student.post("/questions", body)
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def page_as(user: User, url: str):
    client = Client()
    client.force_login(user)
    return client.get(url)


def recommended_titles(tutor: User) -> list[str]:
    cards = page_as(tutor, reverse("recommended_questions")).context["cards"]
    return [card.question.title for card in cards]


def tutors_who_could_help(student: User, question_id: int) -> list[str]:
    cards = page_as(student, reverse("question_tutors", args=[question_id])).context["cards"]
    return [card.tutor.full_name for card in cards]


def tutor_card(student: User, question_id: int, name: str) -> str:
    """The text of one tutor's card on "Tutors who could help", as the student reads it."""
    page = page_as(student, reverse("question_tutors", args=[question_id])).text
    return next(card for card in page.split('<li class="card rec-tutor">')[1:] if name in card)


# --- Questions ---------------------------------------------------------------------------


def test_a_question_posted_through_the_api_is_recommended_to_the_tutor_it_fits_at_once(
    as_ada, ada, funmi, kemi, committed
):
    question_id = post_question(as_ada, committed, PROJECTILE)

    assert recommended_titles(funmi)[0] == PROJECTILE["title"]
    assert PROJECTILE["title"] not in recommended_titles(kemi)
    assert tutors_who_could_help(ada, question_id)[0] == "Funmi Physics"


def test_a_question_edited_through_the_api_moves_to_the_tutor_it_now_fits(as_ada, ada, funmi, kemi, committed):
    question_id = post_question(as_ada, committed, PROJECTILE)

    with committed():
        edited = as_ada.patch(f"/questions/{question_id}", REDOX)

    assert edited.status_code == 200, edited.json()
    assert recommended_titles(kemi)[0] == REDOX["title"]
    assert REDOX["title"] not in recommended_titles(funmi)
    assert tutors_who_could_help(ada, question_id)[0] == "Kemi Chemistry"
    assert "Funmi Physics" not in tutors_who_could_help(ada, question_id)


def test_a_question_cancelled_through_the_api_leaves_the_feeds(as_ada, funmi, committed):
    question_id = post_question(as_ada, committed, PROJECTILE)

    with committed():
        as_ada.post(f"/questions/{question_id}/cancel", {"reason": "Solved it myself."})

    assert recommended_titles(funmi) == []


# --- A tutor's standing ------------------------------------------------------------------


def finish_a_job(as_student, as_tutor, committed, question_id: int) -> int:
    """Bid, accept, pay in the sandbox, deliver and approve, each as its user does it."""
    with committed():
        bid = as_tutor.post(
            f"/questions/{question_id}/bids", {"amount": 450_000, "message": "Me.", "delivery_hours": 5}
        )
    with committed():
        engagement_id = as_student.post(f"/bids/{bid.json()['id']}/accept").json()["id"]
    with committed():
        pay_in_sandbox(Engagement.objects.get(pk=engagement_id))
    with committed():
        as_tutor.upload(f"/engagements/{engagement_id}/deliver", {"message": "t = 2 s, range = 35.3 m."})
    with committed():
        approved = as_student.post(f"/engagements/{engagement_id}/approve")
    assert approved.json()["status"] == "completed", approved.json()
    return engagement_id


def test_a_job_just_completed_counts_in_tutors_who_could_help_at_once(as_ada, ada, as_funmi, committed):
    finish_a_job(as_ada, as_funmi, committed, post_question(as_ada, committed, PROJECTILE))

    next_question = post_question(as_ada, committed, {**PROJECTILE, "title": "Range of a projectile"})

    assert "Has answered 1 Physics question" in tutor_card(ada, next_question, "Funmi Physics")


def test_a_five_star_review_shows_in_tutors_who_could_help_at_once(as_ada, ada, as_funmi, committed):
    engagement_id = finish_a_job(as_ada, as_funmi, committed, post_question(as_ada, committed, PROJECTILE))
    next_question = post_question(as_ada, committed, {**PROJECTILE, "title": "Range of a projectile"})
    assert "New tutor" in tutor_card(ada, next_question, "Funmi Physics")

    with committed():
        reviewed = as_ada.post(
            f"/engagements/{engagement_id}/review",
            {"overall": 5, "knowledge": 5, "clarity": 5, "timeliness": 5, "communication": 5, "text": "Very clear."},
        )

    assert reviewed.status_code == 201, reviewed.json()
    card = tutor_card(ada, next_question, "Funmi Physics")
    assert "★ 5.0 (1)" in card
    assert "rated 5.0" in card
    assert "New tutor" not in card
