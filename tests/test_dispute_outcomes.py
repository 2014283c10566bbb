"""Staff settle a dispute; Ada and Bola each hear what happened to the money, in every channel."""

import pytest
from django.core import mail

from engagements import services as engagement_services
from notifications import sms
from notifications.models import Notification
from payments import services
from tests.notifications.helpers import verify_phone

pytestmark = pytest.mark.django_db

TITLE = 'Dispute on "Solve a quadratic equation" resolved: '


@pytest.fixture
def disputed(delivered, ada, bola):
    verify_phone(ada)
    verify_phone(bola)
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Half of it is wrong")
    return delivered


def decide(engagement, staff, capture, **decision):
    mail.outbox.clear()
    sms.outbox.clear()
    with capture(execute=True):
        services.resolve_dispute(engagement=engagement, by=staff, note="Half was right.", **decision)


def told(user) -> tuple[str, str, str]:
    """What the user got about the decision: the in-app title, the email's subject line, the SMS."""
    note = Notification.objects.get(user=user, kind="dispute_resolved")
    email = next(m for m in mail.outbox if m.to == [user.email])
    text = next(m.body for m in sms.outbox if m.to == str(user.phone))
    assert note.title in email.body
    return note.title, email.subject, text


def test_a_split_tells_each_side_both_amounts_in_every_channel(
    disputed, ada, bola, staff, django_capture_on_commit_callbacks
):
    decide(disputed, staff, django_capture_on_commit_callbacks, outcome="split", refund_amount=200_000)

    ada_note, ada_email, ada_sms = told(ada)
    assert ada_note == ada_email == TITLE + "₦2,000 refunded to you, ₦2,000 released to Bola"
    assert "resolved: NGN 2,000 refunded to you, NGN 2,000 released to Bola. http" in ada_sms
    # Bola hears his own share first: what reaches his earnings after the ₦500 commission.
    bola_note, bola_email, bola_sms = told(bola)
    assert bola_note == bola_email == TITLE + "₦1,500 released to you after commission, ₦2,000 refunded to Ada"
    assert "resolved: NGN 1,500 released to you after commission, NGN 2,000 refunded to Ada. http" in bola_sms
    for text in (ada_sms, bola_sms):
        assert len(text) <= 160
        assert "released to the tutor" not in text


def test_the_tutor_gets_one_message_about_the_decision_not_a_work_approved_too(
    disputed, bola, staff, django_capture_on_commit_callbacks
):
    decide(disputed, staff, django_capture_on_commit_callbacks, outcome="split", refund_amount=100_000)

    assert not Notification.objects.filter(user=bola, kind="work_approved").exists()
    assert len([m for m in sms.outbox if m.to == str(bola.phone)]) == 1


@pytest.mark.parametrize(
    ("outcome", "to_ada", "to_bola"),
    [
        ("release", "₦4,000 released to Bola", "₦3,400 released to you after commission"),
        ("refund", "₦4,000 refunded to you", "₦4,000 refunded to Ada"),
    ],
)
def test_a_whole_release_or_refund_names_the_amount_for_each_side(
    disputed, ada, bola, staff, django_capture_on_commit_callbacks, outcome, to_ada, to_bola
):
    decide(disputed, staff, django_capture_on_commit_callbacks, outcome=outcome)

    assert told(ada)[0] == TITLE + to_ada
    assert told(bola)[0] == TITLE + to_bola
