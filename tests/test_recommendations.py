"""Recommendations as users meet them: a tutor's recommended feed, tutors suggested for a question,
invitations, the fair-price hint, and the impression log."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services as account_services
from accounts.models import User
from bidding import services as bid_services
from catalog.models import Level, Subject
from engagements import services as engagement_services
from notifications.models import Notification
from payments import services as payment_services
from questions import services as question_services
from recommendations import services
from recommendations.models import Impression, Invitation
from recommendations.pricing import price_hint
from reviews import services as review_services
from tests.conftest import PASSWORD, in_hours
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db

CALCULUS = [
    ("Differentiate x squared times sin x", "Use the product rule to differentiate this calculus function."),
    ("Integrate x times e to the x", "Integration by parts: which part do I differentiate? calculus homework."),
    ("Find the derivative of ln of cos x", "Chain rule in calculus, derivative of a composite function."),
]


def ask(student, subject, level, title, body="Please help me with this.", budget=500_000, hours=48):
    """Post a question the way the site does: the service, then the indexing its announcement
    enqueues after the commit (which a test never reaches)."""
    question = question_services.post_question(
        student=student,
        title=title,
        body=body,
        subject=subject,
        level=level,
        deadline=in_hours(hours),
        budget=budget,
        currency="NGN",
    )
    services.index_question(question=question)
    return question


def tutor(email, name, subjects=(), levels=(), headline=""):
    user = account_services.register_user(email=email, full_name=name, password=PASSWORD, role=User.Role.TUTOR)
    account_services.update_tutor_profile(
        user=user,
        full_name=name,
        phone=user.phone,
        headline=headline,
        bio="",
        qualifications="",
        subjects=list(subjects),
        levels=list(levels),
    )
    services.index_tutor(tutor=user)
    return user


def paid_job(question, tutor_user, *, amount=400_000):
    """Bid, accept and pay on the sandbox's checkout: the money is held in escrow, the work not yet done."""
    bid = bid_services.place_bid(
        question=question, tutor=tutor_user, amount=amount, message="I can.", delivery_hours=12
    )
    engagement = engagement_services.accept_bid(bid=bid, by=question.student)
    pay_in_sandbox(engagement)
    engagement.refresh_from_db()
    return engagement


def complete_job(question, tutor_user, *, amount=400_000, stars=5):
    """A whole job as the site does it: bid, accept, pay, deliver, approve (escrow released to the
    tutor) and, if stars, review."""
    engagement = paid_job(question, tutor_user, amount=amount)
    engagement_services.deliver_work(engagement=engagement, by=tutor_user, message="Done.")
    engagement = payment_services.approve_and_release(engagement=engagement, by=question.student)
    if stars:
        ratings = dict.fromkeys(["overall", "knowledge", "clarity", "timeliness", "communication"], stars)
        review_services.create_review(engagement=engagement, by=question.student, text="Thanks.", **ratings)
    return engagement


@pytest.fixture
def calculus_history(ada, bola, maths, sss3):
    """Bola has answered three calculus questions, rated 5, 4 and 5."""
    for (title, body), stars in zip(CALCULUS, [5, 4, 5], strict=True):
        complete_job(ask(ada, maths, sss3, title, body), bola, stars=stars)
    services.index_tutor(tutor=bola)
    return bola


def feed_titles(client) -> list[str]:
    return [card.question.title for card in client.get(reverse("recommended_questions")).context["cards"]]


# --- The tutor's feed ---------------------------------------------------------------------


def test_a_tutor_with_calculus_history_sees_calculus_questions_first(client, calculus_history, ada, maths, sss3):
    ask(ada, maths, sss3, "Simultaneous equations with two unknowns", "Solve by elimination: 2x + y = 7.")
    ask(ada, maths, sss3, "Differentiate a product of functions", "Calculus: derivative of x cubed times cos x.")
    ask(ada, maths, sss3, "Mean, median and mode", "Find the averages of this data set.")
    client.force_login(calculus_history)

    assert feed_titles(client)[0] == "Differentiate a product of functions"


def test_each_card_says_why_with_the_evidence(client, calculus_history, ada, maths, sss3):
    ask(ada, maths, sss3, "Integrate sin x cos x", "Calculus integration question.")
    client.force_login(calculus_history)

    response = client.get(reverse("recommended_questions"))

    assert "You have answered 3 Mathematics questions, rated 4.7" in response.text


def test_a_tutor_sees_questions_in_their_subjects_before_any_history(client, chen, ada, maths, physics, sss3):
    services.index_tutor(tutor=chen)
    ask(ada, physics, sss3, "Projectile motion", "A ball is thrown at 30 degrees.")
    ask(ada, maths, sss3, "Factorise a quadratic", "x^2 + 5x + 6")
    client.force_login(chen)

    response = client.get(reverse("recommended_questions"))

    assert [card.question.title for card in response.context["cards"]] == ["Factorise a quadratic"]
    assert "You teach Mathematics" in response.text


def test_a_tutor_with_no_subjects_and_no_history_gets_a_page_not_an_error(client, ada, maths, sss3):
    newcomer = tutor("new@example.com", "Nkechi New")
    ask(ada, maths, sss3, "x")
    client.force_login(newcomer)

    response = client.get(reverse("recommended_questions"))

    assert response.status_code == 200
    assert "No open questions fit you yet" in response.text


def test_the_recommended_feed_is_for_tutors(client, ada):
    client.force_login(ada)

    assert client.get(reverse("recommended_questions")).status_code == 403


def test_questions_the_tutor_already_bid_on_leave_their_recommendations(client, bola, ada, maths, sss3, question):
    services.index_question(question=question)
    services.index_tutor(tutor=bola)
    client.force_login(bola)
    assert feed_titles(client) == [question.title]

    bid_services.place_bid(question=question, tutor=bola, amount=400_000, message="Me.", delivery_hours=5)

    assert feed_titles(client) == []


def test_the_feed_makes_the_same_few_queries_for_1_and_many_questions(
    client, chen, ada, maths, sss3, django_assert_max_num_queries, django_assert_num_queries
):
    services.index_tutor(tutor=chen)
    ask(ada, maths, sss3, "Only one")
    client.force_login(chen)
    client.get(reverse("recommended_questions"))  # the first visit may refresh the tutor's vector
    with django_assert_max_num_queries(8) as one:
        client.get(reverse("recommended_questions"))
    for n in range(50):
        ask(ada, maths, sss3, f"Quadratic number {n}", "Factorise and solve the quadratic.")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("recommended_questions"))
    assert len(response.context["cards"]) == 20


# --- Tutors for a question ----------------------------------------------------------------


def suggested(client, question) -> list[str]:
    return [
        card.tutor.full_name for card in client.get(reverse("question_tutors", args=[question.pk])).context["cards"]
    ]


def test_a_student_sees_tutors_who_could_help_with_why(client, calculus_history, ada, maths, sss3):
    question = ask(ada, maths, sss3, "Differentiate tan x", "Calculus: the derivative of tan x.")
    client.force_login(ada)

    response = client.get(reverse("question_tutors", args=[question.pk]))

    assert response.context["cards"][0].tutor == calculus_history
    assert "Has answered 3 Mathematics questions, rated 4.7" in response.text


def test_an_unrelated_tutor_does_not_outrank_a_matching_one(client, ada, chen, staff, maths, sss3):
    english = Subject.objects.get(slug="english-language")
    busy = tutor("busy@example.com", "Busy English", subjects=[english], headline="English essays and grammar")
    for n in range(6):
        bid_services.place_bid(
            question=ask(ada, english, sss3, f"Essay {n}", "Grammar and comprehension essay."),
            tutor=busy,
            amount=300_000,
            message="Me.",
            delivery_hours=5,
        )
    services.index_tutor(tutor=busy)
    services.index_tutor(tutor=chen)
    question = ask(ada, maths, sss3, "Solve a quadratic equation", "Factorise x^2 - 5x + 6.")
    client.force_login(ada)

    names = suggested(client, question)

    assert names[0] == "Chen Wei"
    assert "Busy English" not in names[:1]


def test_a_brand_new_tutor_still_appears_for_a_matching_question(client, ada, maths, sss3):
    veterans = [tutor(f"vet{n}@example.com", f"Veteran {n}", subjects=[maths]) for n in range(6)]
    for veteran in veterans:
        for n in range(3):
            complete_job(ask(ada, maths, sss3, f"Algebra {n}", "Quadratic equations and algebra."), veteran)
        services.index_tutor(tutor=veteran)
    tutor(
        "fresh@example.com", "Fresh Face", subjects=[maths], levels=[sss3], headline="Algebra and quadratic equations"
    )
    question = ask(ada, maths, sss3, "Quadratic equations by formula", "Solve the quadratic with the formula.")
    client.force_login(ada)

    response = client.get(reverse("question_tutors", args=[question.pk]))

    cards = response.context["cards"]
    assert len(cards) == 5
    assert "Fresh Face" in [card.tutor.full_name for card in cards]
    assert any(card.explored for card in cards)


def test_the_question_owner_invites_a_tutor_who_is_told_and_sees_it_first(
    client, ada, bola, chen, maths, sss3, django_capture_on_commit_callbacks
):
    services.index_tutor(tutor=bola)
    ask(ada, maths, sss3, "Another maths question", "Algebra.")
    question = ask(ada, maths, sss3, "Please look at mine", "Trigonometry.")
    client.force_login(ada)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invite_tutor", args=[question.pk, bola.pk]), follow=True)

    assert "Bola Adeyemi is invited to bid" in response.text
    assert Invitation.objects.filter(question=question, tutor=bola).exists()
    assert mail.outbox[-1].to == ["bola@example.com"]
    assert (
        Notification.objects.get(user=bola, kind="invited").title == 'Ada invites you to bid on "Please look at mine"'
    )
    client.force_login(bola)
    page = client.get(reverse("recommended_questions"))
    assert page.context["cards"][0].question == question
    assert "The student invited you to bid" in page.text


def test_a_stranger_cannot_invite_on_someone_elses_question(client, ada, dayo, bola, question):
    client.force_login(dayo)

    assert client.post(reverse("invite_tutor", args=[question.pk, bola.pk])).status_code == 404
    assert client.get(reverse("question_tutors", args=[question.pk])).status_code == 404
    assert not Invitation.objects.exists()


def test_the_tutors_page_makes_the_same_few_queries_for_1_and_many_tutors(
    client, ada, maths, sss3, django_assert_max_num_queries, django_assert_num_queries
):
    tutor("t0@example.com", "Tutor 0", subjects=[maths])
    question = ask(ada, maths, sss3, "Factorise", "A quadratic.")
    client.force_login(ada)
    url = reverse("question_tutors", args=[question.pk])
    with django_assert_max_num_queries(8) as one:
        client.get(url)
    for n in range(1, 12):
        tutor(f"t{n}@example.com", f"Tutor {n}", subjects=[maths])
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["cards"]) == 5


def test_a_question_with_almost_no_text_still_gets_tutors(client, ada, chen, maths, sss3):
    services.index_tutor(tutor=chen)
    question = ask(ada, maths, sss3, "?", "")
    client.force_login(ada)

    assert suggested(client, question) == ["Chen Wei"]


def test_the_question_page_offers_tutors_who_could_help_to_its_owner_only(client, ada, bola, question):
    client.force_login(ada)
    assert "Tutors who could help" in client.get(question.get_absolute_url()).text
    client.force_login(bola)
    assert "Tutors who could help" not in client.get(question.get_absolute_url()).text


# --- Impressions --------------------------------------------------------------------------


def test_impressions_record_what_was_shown_and_what_followed(client, ada, chen, maths, sss3):
    services.index_tutor(tutor=chen)
    question = ask(ada, maths, sss3, "Factorise a quadratic", "x^2 + 5x + 6")
    client.force_login(chen)
    client.get(reverse("recommended_questions"))

    bid_services.place_bid(question=question, tutor=chen, amount=300_000, message="Me.", delivery_hours=5)
    services.record_outcomes()

    impression = Impression.objects.get(surface=Impression.Surface.TUTOR_FEED)
    assert (impression.tutor, impression.question, impression.position) == (chen, question, 1)
    assert impression.bid_at is not None and impression.won_at is None


# --- Price hints --------------------------------------------------------------------------


def test_the_price_range_ignores_disputed_refunded_cancelled_and_outliers(ada, bola, staff, maths, sss3):
    for amount in [400_000, 450_000, 500_000, 550_000, 600_000, 500_000]:
        complete_job(ask(ada, maths, sss3, "Fair job"), bola, amount=amount, stars=0)
    complete_job(ask(ada, maths, sss3, "Wild outlier"), bola, amount=9_000_000, stars=0)
    disputed = paid_job(ask(ada, maths, sss3, "Disputed"), bola, amount=5_000_000)
    engagement_services.open_dispute(engagement=disputed, by=ada, reason="Wrong answers.")
    payment_services.resolve_dispute(engagement=disputed, by=staff, outcome="release", note="Paid in the end.")
    refunded = paid_job(ask(ada, maths, sss3, "Refunded"), bola, amount=7_000_000)
    payment_services.cancel_and_refund(engagement=refunded, by=bola, reason="Can't do it.")

    hint = price_hint(subject=maths, level=sss3, currency="NGN", words=120, hours_left=72)

    assert hint is not None and hint.samples == 6
    assert 400_000 <= hint.low <= hint.high <= 600_000


def test_a_subject_with_no_history_gets_a_rule_of_thumb_range(sss3):
    law = Subject.objects.get(slug="law")
    postgraduate = Level.objects.get(slug="postgraduate")

    easy = price_hint(subject=law, level=sss3, currency="NGN", words=50, hours_left=72)
    hard = price_hint(subject=law, level=postgraduate, currency="NGN", words=50, hours_left=3)

    assert easy is not None and hard is not None and easy.samples == 0
    assert 0 < easy.low < easy.high < hard.high


def test_the_posting_form_shows_a_price_hint_that_follows_the_fields(client, ada, maths, sss3):
    client.force_login(ada)

    response = client.post(
        reverse("price_hint"), {"subject": maths.pk, "level": sss3.pk, "currency": "NGN", "body": "x"}
    )

    assert "Fair price: ₦" in response.text
    assert 'hx-post="/price-hint/"' in client.get(reverse("question_new")).text


@pytest.mark.parametrize(
    "params", [{}, {"subject": "abc", "level": "", "deadline": "yesterday"}, {"subject": "99999", "currency": "XXX"}]
)
def test_the_price_hint_shrugs_off_bad_input(client, ada, params):
    client.force_login(ada)

    response = client.get(reverse("price_hint"), params)

    assert response.status_code == 200
    assert "Choose a subject and level" in response.text


def test_a_tutor_sees_the_price_hint_while_bidding(client, bola, question):
    client.force_login(bola)

    assert "Fair price:" in client.get(reverse("question_price_hint", args=[question.pk])).text
    assert reverse("question_price_hint", args=[question.pk]) in client.get(question.get_absolute_url()).text


def test_recommendation_pages_have_no_inline_script_or_style(client, ada, bola, question):
    client.force_login(ada)
    pages = [client.get(reverse("question_tutors", args=[question.pk])), client.get(reverse("question_new"))]
    client.force_login(bola)
    pages.append(client.get(reverse("recommended_questions")))
    for response in pages:
        assert "style=" not in response.text
        assert "<script>" not in response.text


def test_the_refresh_indexes_what_was_missed_and_prunes_closed_questions(ada, chen, maths, sss3):
    from recommendations.models import QuestionTerm, QuestionVector, TutorVector

    missed = question_services.post_question(
        student=ada, title="Long division", body="Divide 144 by 12.", subject=maths, level=sss3,
        deadline=in_hours(48), budget=500_000, currency="NGN",
    )  # fmt: skip
    closed = ask(ada, maths, sss3, "Cancelled one", "Fractions.")
    question_services.cancel_question(question=closed, by=ada)

    done = services.refresh()

    assert done["questions"] == 1 and QuestionVector.objects.filter(question=missed).exists()
    assert TutorVector.objects.filter(tutor=chen).exists()
    assert not QuestionTerm.objects.filter(question=closed).exists()


def test_the_refresh_reindexes_a_question_edited_since_its_vector(ada, maths, physics, sss3):
    from recommendations.models import QuestionVector, TermStat

    question = ask(ada, maths, sss3, "Long division", "Divide 144 by 12.")
    question_services.update_question(  # no commit in a test, so the edit's own re-index never runs
        question=question, by=ada, title="Projectile motion", body="A ball thrown at 30 degrees.", subject=physics,
        level=sss3, deadline=question.deadline, budget=question.budget, currency="NGN",
    )  # fmt: skip

    assert services.refresh()["questions"] == 1

    terms = QuestionVector.objects.get(question=question).terms
    assert "projectile" in terms and "#physics" in terms and "division" not in terms
    assert TermStat.objects.get(term="division").questions == 0
    assert services.refresh()["questions"] == 0
