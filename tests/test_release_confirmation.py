"""Paying the tutor can't be undone: the student confirms, below the delivered work; the revision and
dispute boxes ask different questions."""

import pytest
from django.urls import reverse

from engagements.models import Engagement
from payments.models import Escrow

pytestmark = pytest.mark.django_db


def test_approving_without_the_confirmation_pays_nobody(client, ada, delivered):
    client.force_login(ada)

    response = client.post(reverse("engagement_approve", args=[delivered.pk]))

    assert response.status_code == 400
    assert "Tick the box to confirm the work is right before the tutor is paid." in response.text
    assert Escrow.objects.get().status == Escrow.Status.HELD
    delivered.refresh_from_db()
    assert delivered.status == Engagement.Status.DELIVERED


def test_approving_with_the_confirmation_pays_the_tutor(client, ada, delivered):
    client.force_login(ada)

    response = client.post(reverse("engagement_approve", args=[delivered.pk]), {"confirm": "on"}, follow=True)

    assert "Approved. The tutor is paid." in response.text
    assert Escrow.objects.get().status == Escrow.Status.RELEASED


def test_the_confirmation_sits_below_the_delivered_work_and_works_without_javascript(client, ada, delivered):
    client.force_login(ada)

    page = client.get(delivered.get_absolute_url()).text

    assert page.index("x = 2 or x = 3.") < page.index("I have checked the work") < page.index("Approve and pay")
    assert "I have checked the work: pay Bola Adeyemi ₦4,000 from escrow." in page
    assert 'type="checkbox" name="confirm" required' in page


def test_the_revision_and_dispute_boxes_ask_different_questions(client, ada, delivered):
    client.force_login(ada)

    page = client.get(delivered.get_absolute_url()).text

    assert ">What should the tutor change?</label>" in page
    assert ">What went wrong?</label>" in page
    assert "What needs to change?" not in page
