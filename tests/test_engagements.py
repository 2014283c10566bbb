from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from bidding.models import Bid, TutorStats
from engagements import services
from engagements.models import Engagement
from payments import services as payment_services
from questions.models import Question
from tests.conftest import pdf
from tests.queries import count_queries
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db


def status_of(engagement) -> str:
    engagement.refresh_from_db()
    return engagement.status


def test_the_student_sees_what_to_do_next_while_awaiting_payment(client, ada, engagement):
    client.force_login(ada)

    response = client.get(engagement.get_absolute_url())

    assert "Next: payment" in response.text
    assert "Pay ₦4,000 to start the work" in response.text


def test_payment_starts_the_delivery_clock(engagement):
    pay_in_sandbox(engagement)

    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.IN_PROGRESS
    assert engagement.due_at == engagement.funded_at + timedelta(hours=12)


def test_the_tutor_delivers_text_and_files_and_the_student_sees_them(client, bola, ada, funded):
    client.force_login(bola)

    client.post(
        reverse("engagement_deliver", args=[funded.pk]),
        {"message": "**x = 2** or x = 3", "attachments": [pdf("solution.pdf")]},
    )

    assert status_of(funded) == Engagement.Status.DELIVERED
    client.force_login(ada)
    page = client.get(funded.get_absolute_url()).text
    assert "<strong>x = 2</strong>" in page
    assert "solution.pdf" in page
    assert "Approve and pay the tutor" in page


def test_an_empty_delivery_is_refused(client, bola, funded):
    client.force_login(bola)

    response = client.post(reverse("engagement_deliver", args=[funded.pk]), {"message": ""})

    assert response.status_code == 400
    assert "Write a message or attach a file" in response.text
    assert status_of(funded) == Engagement.Status.IN_PROGRESS


def test_only_the_tutor_delivers(funded, ada):
    with pytest.raises(PermissionDenied):
        services.deliver_work(engagement=funded, by=ada, message="I did it myself")
    assert status_of(funded) == Engagement.Status.IN_PROGRESS


def test_approval_completes_the_work_and_counts_it_on_time(client, ada, delivered):
    client.force_login(ada)

    response = client.post(reverse("engagement_approve", args=[delivered.pk]), {"confirm": "on"}, follow=True)

    assert "Approved" in response.text
    assert status_of(delivered) == Engagement.Status.COMPLETED
    assert Question.objects.get().status == Question.Status.COMPLETED
    stats = TutorStats.objects.get(tutor=delivered.tutor)
    assert (stats.completed_count, stats.on_time_count) == (1, 1)


def test_a_late_delivery_is_not_counted_on_time(funded, bola, ada):
    Engagement.objects.filter(pk=funded.pk).update(due_at=timezone.now() - timedelta(hours=1))
    funded.refresh_from_db()
    services.deliver_work(engagement=funded, by=bola, message="sorry, late")
    payment_services.approve_and_release(engagement=funded, by=ada)

    stats = TutorStats.objects.get(tutor=bola)
    assert (stats.completed_count, stats.on_time_count) == (1, 0)


def test_the_tutor_cannot_approve_their_own_work(client, delivered, bola):
    client.force_login(bola)

    response = client.post(reverse("engagement_approve", args=[delivered.pk]), follow=True)

    assert "Only the student on this engagement can do that." in response.text
    assert status_of(delivered) == Engagement.Status.DELIVERED


def test_a_revision_sends_the_work_back_a_limited_number_of_times(client, ada, bola, delivered, settings):
    settings.MAX_REVISIONS = 1
    client.force_login(ada)

    client.post(reverse("engagement_revision", args=[delivered.pk]), {"revision-reason": "Show the working"})
    assert status_of(delivered) == Engagement.Status.IN_PROGRESS
    services.deliver_work(engagement=delivered, by=bola, message="with working")
    response = client.post(
        reverse("engagement_revision", args=[delivered.pk]), {"revision-reason": "Again"}, follow=True
    )

    assert status_of(delivered) == Engagement.Status.DELIVERED
    assert "You have used all 1 revisions. Approve the work or open a dispute." in response.text


def test_a_revision_needs_a_reason(client, ada, delivered):
    client.force_login(ada)

    response = client.post(reverse("engagement_revision", args=[delivered.pk]), {"revision-reason": ""})

    assert response.status_code == 400
    assert status_of(delivered) == Engagement.Status.DELIVERED


def test_a_dispute_is_decided_by_staff_for_the_tutor(client, ada, staff, delivered):
    client.force_login(ada)
    client.post(reverse("engagement_dispute", args=[delivered.pk]), {"dispute-reason": "Half the answer is missing"})
    assert status_of(delivered) == Engagement.Status.DISPUTED

    client.force_login(staff)
    client.post("/admin/engagements/engagement/", {"action": "release_to_tutor", "_selected_action": [delivered.pk]})

    assert status_of(delivered) == Engagement.Status.COMPLETED
    assert TutorStats.objects.get(tutor=delivered.tutor).completed_count == 1


def test_a_dispute_is_decided_by_staff_for_the_student(client, bola, staff, delivered):
    services.open_dispute(engagement=delivered, by=bola, reason="The student stopped answering")
    client.force_login(staff)

    client.post("/admin/engagements/engagement/", {"action": "refund_student", "_selected_action": [delivered.pk]})

    assert status_of(delivered) == Engagement.Status.CANCELLED
    assert Question.objects.get().status == Question.Status.CANCELLED


def test_staff_cannot_mark_an_engagement_paid_by_hand(client, staff, engagement):
    client.force_login(staff)

    client.post("/admin/engagements/engagement/", {"action": "mark_funded", "_selected_action": [engagement.pk]})

    assert status_of(engagement) == Engagement.Status.AWAITING_PAYMENT


def test_only_staff_resolve_disputes(delivered, ada):
    services.open_dispute(engagement=delivered, by=ada, reason="wrong")

    with pytest.raises(PermissionDenied):
        payment_services.resolve_dispute(engagement=delivered, by=ada, outcome="refund")


def test_silence_after_delivery_approves_automatically(delivered, settings):
    later = timezone.now() + timedelta(days=settings.AUTO_APPROVE_DAYS, minutes=1)

    done = payment_services.process_deadlines(now=later)

    assert done["auto_approved"] == 1
    assert status_of(delivered) == Engagement.Status.COMPLETED
    assert delivered.events.last().note == "approved automatically"


def test_nothing_is_approved_before_its_time(delivered):
    assert payment_services.process_deadlines(now=timezone.now() + timedelta(days=1))["auto_approved"] == 0
    assert status_of(delivered) == Engagement.Status.DELIVERED


def test_an_unpaid_acceptance_lapses_and_the_question_reopens_for_the_other_bids(chen_bid, engagement, ada):
    Engagement.objects.filter(pk=engagement.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))

    assert payment_services.process_deadlines()["unpaid_cancelled"] == 1

    assert status_of(engagement) == Engagement.Status.CANCELLED
    assert Question.objects.get().status == Question.Status.OPEN
    assert Bid.objects.get(pk=engagement.bid_id).status == Bid.Status.CLOSED
    again = services.accept_bid(bid=chen_bid, by=ada)
    assert again.tutor.email == "chen@example.com"


def test_the_student_cancels_before_paying(client, ada, engagement):
    client.force_login(ada)

    client.post(reverse("engagement_cancel", args=[engagement.pk]))

    assert status_of(engagement) == Engagement.Status.CANCELLED
    assert Question.objects.get().status == Question.Status.OPEN


def test_the_student_cannot_cancel_paid_work_that_is_not_late(client, ada, funded):
    client.force_login(ada)

    response = client.post(reverse("engagement_cancel", args=[funded.pk]), follow=True)

    assert "can&#x27;t be cancelled now. If the work is late or wrong, open a dispute." in response.text
    assert status_of(funded) == Engagement.Status.IN_PROGRESS


def test_the_student_may_cancel_once_the_work_is_overdue(client, ada, funded):
    Engagement.objects.filter(pk=funded.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    client.force_login(ada)

    page = client.get(funded.get_absolute_url()).text
    client.post(reverse("engagement_cancel", args=[funded.pk]))

    assert "Overdue" in page
    assert status_of(funded) == Engagement.Status.CANCELLED


def test_strangers_see_nothing_of_an_engagement(client, dayo, chen, delivered):
    file_url = delivered.deliveries.get().files.get().get_absolute_url()
    for user in (dayo, chen):
        client.force_login(user)
        assert client.get(delivered.get_absolute_url()).status_code == 404
        assert client.get(file_url).status_code == 404
        assert client.post(reverse("engagement_approve", args=[delivered.pk])).status_code == 404
        assert (
            client.post(reverse("engagement_dispute", args=[delivered.pk]), {"dispute-reason": "x"}).status_code == 404
        )
    assert status_of(delivered) == Engagement.Status.DELIVERED


def test_delivered_files_download_for_the_student(client, ada, delivered):
    client.force_login(ada)

    response = client.get(delivered.deliveries.get().files.get().get_absolute_url())

    assert response["Content-Disposition"] == 'attachment; filename="answer.pdf"'


def test_every_change_is_in_the_history(client, ada, completed):
    client.force_login(ada)

    events = list(completed.events.values_list("from_status", "to_status"))

    assert events == [("awaiting_payment", "in_progress"), ("in_progress", "delivered"), ("delivered", "completed")]
    assert "Delivered by Bola Adeyemi" in client.get(completed.get_absolute_url()).text


def test_an_illegal_move_is_refused_with_the_current_state(completed, ada):
    with pytest.raises(ValidationError, match="it is completed"):
        services.request_revision(engagement=completed, by=ada, reason="more")


def test_the_engagement_list_filters_by_status_with_a_fixed_query_count(client, ada, completed):
    client.force_login(ada)
    queries, response = count_queries(lambda: client.get(reverse("engagement_list"), {"status": "completed"}))

    assert 0 < queries <= 8

    assert "Solve a quadratic equation" in response.text
    assert "Solve a quadratic equation" not in client.get(reverse("engagement_list"), {"status": "disputed"}).text


def test_the_tutor_is_reminded_once_when_delivery_is_due_soon(funded, bola):
    from notifications.models import Notification

    soon = funded.due_at - timedelta(hours=2)

    assert payment_services.process_deadlines(now=soon)["reminded"] == 1
    assert payment_services.process_deadlines(now=soon)["reminded"] == 0
    reminder = Notification.objects.get(user=bola, kind="deadline_soon")
    assert reminder.title == '"Solve a quadratic equation" is due in 2 h'


def test_no_reminder_while_the_deadline_is_far(funded):
    assert payment_services.process_deadlines(now=funded.due_at - timedelta(hours=6))["reminded"] == 0
