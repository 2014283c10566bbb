"""Each marketplace event reaches the right people (the channels and preferences themselves are
tested in tests/notifications)."""

import pytest
from django.urls import reverse

from bidding import services as bids
from engagements import services
from notifications import sms
from notifications.models import Notification
from payments import services as payment_services
from reviews import services as reviews
from tests.notifications.helpers import verify_phone

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_a_new_question_is_announced_to_tutors_who_teach_it(
    bola, chen, ada, physics, sss3, django_capture_on_commit_callbacks
):
    from questions.services import post_question
    from tests.conftest import in_hours

    # Bola teaches maths and physics at SSS 3; Chen teaches only maths.
    with django_capture_on_commit_callbacks(execute=True):
        post_question(
            student=ada,
            title="Resistors in parallel",
            body="Find the current.",
            subject=physics,
            level=sss3,
            deadline=in_hours(24),
            budget=300_000,
            currency="NGN",
        )

    assert kinds_for(bola) == ["matching_question"]
    assert kinds_for(chen) == []


def test_the_student_hears_of_each_new_bid(ada, bola_bid):
    notification = Notification.objects.get(user=ada)

    assert notification.kind == "new_bid"
    assert notification.title == 'New bid of ₦4,000 from Bola Adeyemi on "Solve a quadratic equation"'
    assert notification.url == bola_bid.question.get_absolute_url()


def test_acceptance_tells_the_winner_and_the_other_bidders(chen_bid, engagement, bola, chen):
    assert kinds_for(bola)[-1] == "bid_accepted"
    assert kinds_for(chen)[-1] == "question_taken"


def test_the_winner_gets_the_acceptance_by_sms_once_their_phone_is_verified(
    question, ada, bola, django_capture_on_commit_callbacks
):
    verify_phone(bola)
    bid = bids.place_bid(question=question, tutor=bola, amount=400_000, message="Me", delivery_hours=5)
    sms.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.accept_bid(bid=bid, by=ada)

    assert [message.to for message in sms.outbox] == ["+2348051234567"]
    assert 'your bid on "Solve a quadratic equation" was accepted' in sms.outbox[0].body


def test_payment_delivery_and_approval_reach_the_right_party(completed, ada, bola):
    assert kinds_for(ada) == ["new_bid", "payment_held", "work_delivered"]
    assert kinds_for(bola) == ["bid_accepted", "payment_held", "work_approved"]


def test_a_revision_and_a_review_reach_the_tutor(delivered, ada, bola):
    services.request_revision(engagement=delivered, by=ada, reason="Show the working")
    services.deliver_work(engagement=delivered, by=bola, message="With working")
    payment_services.approve_and_release(engagement=delivered, by=ada)
    reviews.create_review(
        engagement=delivered, by=ada, overall=5, knowledge=5, clarity=5, timeliness=5, communication=5, text="Great"
    )

    assert "revision_requested" in kinds_for(bola)
    review_note = Notification.objects.get(user=bola, kind="new_review")
    assert review_note.url == reverse("tutor_profile", args=[bola.pk])


def test_a_dispute_tells_the_other_side_and_its_outcome_tells_both(delivered, ada, bola, staff):
    services.open_dispute(engagement=delivered, by=ada, reason="Wrong answer")
    assert kinds_for(bola)[-1] == "dispute_opened"
    assert "dispute_opened" not in kinds_for(ada)

    payment_services.resolve_dispute(engagement=delivered, by=staff, outcome="refund")

    assert kinds_for(ada)[-1] == kinds_for(bola)[-1] == "dispute_resolved"
    assert Notification.objects.get(user=ada, kind="dispute_resolved").title.endswith("₦4,000 refunded to you")
    assert Notification.objects.get(user=bola, kind="dispute_resolved").title.endswith("₦4,000 refunded to Ada")


def test_a_rolled_back_bid_notifies_nobody(question, bola, ada):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        bids.place_bid(question=question, tutor=bola, amount=400_000, message="Me", delivery_hours=5)
        raise RuntimeError("the request failed after the bid")

    assert kinds_for(ada) == []


def test_the_tutor_hears_of_the_share_released_after_commission(completed, bola):
    approved = Notification.objects.get(user=bola, kind="work_approved")

    # ₦4,000 less the ₦600 commission (15%, above the ₦500 minimum).
    assert approved.title == 'Work approved: ₦3,400 released for "Solve a quadratic equation"'
