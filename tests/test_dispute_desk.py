"""The staff dispute desk: staff hear of a dispute, find it in a queue with its age and amounts, read
both sides on one page, decide, and both people see the decision's note. Nobody else sees the desk."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bidding import services as bid_services
from chat import services as chat_services
from engagements import services as engagement_services
from engagements.models import Engagement, EngagementEvent
from notifications.models import Notification
from payments import services as payment_services
from payments.models import Escrow
from questions import services as question_services
from tests.conftest import in_hours
from tests.queries import count_queries
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputed(ada, delivered):
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Only half of the steps are shown.")
    return delivered


def another_dispute(ada, tutor, maths, sss3, *, title: str, amount: int) -> Engagement:
    """A second question of Ada's, taken by `tutor`, paid, and disputed by the tutor."""
    question = question_services.post_question(
        student=ada,
        title=title,
        body="Prove it.",
        subject=maths,
        level=sss3,
        deadline=in_hours(48),
        budget=amount,
        currency="NGN",
    )
    bid = bid_services.place_bid(question=question, tutor=tutor, amount=amount, message="I can.", delivery_hours=12)
    engagement = engagement_services.accept_bid(bid=bid, by=ada)
    pay_in_sandbox(engagement)
    engagement_services.open_dispute(engagement=engagement, by=tutor, reason="The student stopped answering.")
    return engagement


def opened_days_ago(engagement: Engagement, days: int) -> None:
    EngagementEvent.objects.filter(engagement=engagement, to_status="disputed").update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_every_staff_member_is_told_when_a_dispute_opens(ada, bola, staff, delivered):
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Wrong answer.")

    note = Notification.objects.get(user=staff, kind="dispute_to_decide")
    assert note.title == 'Dispute to decide: "Solve a quadratic equation", ₦4,000 held'
    assert note.url == reverse("dispute_case", args=[delivered.pk])
    assert not Notification.objects.filter(kind="dispute_to_decide").exclude(user=staff).exists()


def test_the_desk_lists_open_disputes_oldest_first_with_age_amounts_and_both_names(
    client, ada, chen, maths, sss3, staff, disputed
):
    newer = another_dispute(ada, chen, maths, sss3, title="Prove the angle sum", amount=300_000)
    opened_days_ago(disputed, 2)
    client.force_login(staff)

    page = client.get(reverse("dispute_desk")).text

    assert page.index("Solve a quadratic equation") < page.index("Prove the angle sum")
    assert "opened 2\xa0days ago" in page
    assert "₦4,000" in page and "₦3,000" in page
    assert "400000" not in page and "300000" not in page
    assert page.count("Ada Okonkwo") == 2
    assert "Bola Adeyemi" in page and "Chen Wei" in page
    assert "Only half of the steps are shown." in page and "The student stopped answering." in page
    assert reverse("dispute_case", args=[newer.pk]) in page


def test_the_desk_is_linked_from_the_staff_navigation(client, staff):
    client.force_login(staff)

    page = client.get(reverse("payments_reconciliation")).text

    assert f'<a href="{reverse("dispute_desk")}">Disputes</a>' in page


def test_the_desk_makes_the_same_queries_for_one_dispute_and_for_several(
    client, ada, chen, maths, sss3, staff, disputed
):
    client.force_login(staff)
    one, _ = count_queries(lambda: client.get(reverse("dispute_desk")))
    for n in range(3):
        another_dispute(ada, chen, maths, sss3, title=f"Prove theorem {n}", amount=200_000)

    several, page = count_queries(lambda: client.get(reverse("dispute_desk")))

    assert page.text.count("Open the case") == 4
    assert several == one


def test_the_case_page_shows_both_sides_the_delivery_the_chat_and_the_money_held(client, ada, bola, staff, disputed):
    conversation = chat_services.open_conversation(bid=disputed.bid, by=ada)
    say = chat_services.post_message
    say(conversation=conversation, by=bola, text="I sent the full working.", client_id="bola-0001")
    say(conversation=conversation, by=ada, text="Steps 3 to 5 are missing.", client_id="ada-00001")
    client.force_login(staff)

    page = client.get(reverse("dispute_case", args=[disputed.pk])).text

    assert "Why Ada Okonkwo (student) opened the dispute" in page
    assert "Only half of the steps are shown." in page
    assert "How do I solve" in page  # the question
    assert "x = 2 or x = 3." in page and "answer.pdf" in page  # the delivery and its file
    assert "I sent the full working." in page and "Steps 3 to 5 are missing." in page
    assert "Held in escrow" in page and "₦4,000" in page
    assert "Bola Adeyemi receives ₦3,400 (₦600 commission)" in page
    assert "Decision note" in page and "Both people see it on the engagement page" in page


def test_staff_split_on_the_case_page_and_both_people_see_the_note_and_amounts_that_add_up(
    client, ada, bola, staff, disputed, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dispute_case", args=[disputed.pk]),
            {"outcome": "split", "refund_amount": "1,500", "note": "Steps 3 to 5 were missing: half refunded."},
            follow=True,
        )
    assert "Dispute resolved; the money has moved. Both people have been told." in response.text
    assert Escrow.objects.get().status == Escrow.Status.SPLIT

    client.force_login(ada)
    student_page = client.get(disputed.get_absolute_url()).text
    client.force_login(bola)
    tutor_page = client.get(disputed.get_absolute_url()).text

    for page in (student_page, tutor_page):
        assert "Our staff's decision" in page
        assert "Steps 3 to 5 were missing: half refunded." in page
    # ₦1,500 + ₦2,500 = the ₦4,000 Ada paid; the tutor's ₦2,000 is after the ₦500 fee.
    assert "₦1,500 back to you and ₦2,500 released to the tutor, the ₦4,000 you paid" in student_page
    assert "₦2,000 to the tutor (after ₦500 commission)" in tutor_page


def test_a_decided_case_shows_the_outcome_and_no_form(client, ada, staff, disputed):
    payment_services.resolve_dispute(engagement=disputed, by=staff, outcome="refund", note="Not delivered.")
    client.force_login(staff)

    case = client.get(reverse("dispute_case", args=[disputed.pk])).text
    desk = client.get(reverse("dispute_desk")).text

    assert "Refunded to the student" in case
    assert "Decide and move the money" not in case
    assert "No open disputes" in desk and "Decided lately" in desk


def test_an_engagement_never_disputed_has_no_case(client, staff, funded):
    client.force_login(staff)

    assert client.get(reverse("dispute_case", args=[funded.pk])).status_code == 404


@pytest.mark.parametrize("who", ["ada", "bola", "dayo"])
def test_students_and_tutors_get_a_404_from_the_desk_and_the_case(request, client, who, disputed):
    client.force_login(request.getfixturevalue(who))
    case = reverse("dispute_case", args=[disputed.pk])

    assert client.get(reverse("dispute_desk")).status_code == 404
    assert client.get(case).status_code == 404
    assert client.post(case, {"outcome": "refund", "note": "give it back"}).status_code == 404
    assert Escrow.objects.get().status == Escrow.Status.HELD
    assert "Disputes</a>" not in client.get("/").text


def test_the_desk_asks_a_visitor_to_log_in(client, disputed):
    response = client.get(reverse("dispute_desk"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
