"""notify(): each kind reaches the right people on the channels they chose, once, after commit."""

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import User
from notifications import sms
from notifications.kinds import EMAIL, IN_APP, KINDS, SMS, STAFF
from notifications.models import Notification, OutboundMessage, Preference, QuietHours
from notifications.services import deliver_due_messages, notify, save_preferences
from notifications.texts import GSM_CHARS, SMS_LIMIT
from tests.notifications.helpers import LAGOS, NOON, verify_phone

pytestmark = pytest.mark.django_db

CONTEXT = {
    "question_title": "Solve 2x + 3 = 11 and explain each step",
    "url": "/questions/12/",
    "amount_display": "₦5,000",
    "tutor_name": "Bola Adeyemi",
    "student_name": "Ada",
    "sender_name": "Ada Okonkwo",
    "subject_name": "Mathematics",
    "rating": 5,
    "reason": "account number not found",
    "outcome": "₦150,000 released to you after commission, ₦200,000 refunded to Chiamaka",  # a long split
    "due_display": "in 2 hours",
}
RECIPIENT = {"student": "ada", "tutor": "bola"}


def kinds_for_people():
    return [(kind.key, role) for kind in KINDS.values() if kind.configurable for role in kind.roles if role != "staff"]


@pytest.mark.parametrize(("kind", "role"), kinds_for_people())
def test_each_kind_reaches_its_recipient_on_its_default_channels(request, after_commit, kind, role):
    user = request.getfixturevalue(RECIPIENT[role])
    verify_phone(user)
    defaults = KINDS[kind].defaults

    with after_commit():
        notify(user, kind, **CONTEXT)

    in_app = Notification.objects.visible_to(user).filter(kind=kind)
    assert in_app.exists() == (IN_APP in defaults)
    assert [m.to for m in mail.outbox] == ([[user.email]] if EMAIL in defaults else [])
    assert [m.to for m in sms.outbox] == ([str(user.phone)] if SMS in defaults else [])


def test_money_events_go_by_sms_and_chatty_ones_stay_in_the_app(verified_bola, after_commit):
    with after_commit():
        notify(verified_bola, "payout_sent", **CONTEXT)
        notify(verified_bola, "matching_question", **CONTEXT)

    assert len(sms.outbox) == 1
    assert sms.outbox[0].body.startswith("Expert Hive: your payout of NGN 5,000 is on its way")
    assert Notification.objects.visible_to(verified_bola).count() == 2


def test_the_sms_carries_a_short_link_that_opens_the_notification(verified_bola, after_commit, settings):
    settings.SITE_URL = "https://experthive.ng"
    with after_commit():
        notification = notify(verified_bola, "bid_accepted", **CONTEXT)

    assert f"https://experthive.ng/n/{notification.short_code}/" in sms.outbox[0].body


def test_the_email_says_what_happened_with_a_link_and_where_to_change_settings(ada, after_commit):
    with after_commit():
        notify(ada, "new_bid", **CONTEXT)

    email = mail.outbox[0]
    assert email.subject == 'New bid of ₦5,000 from Bola Adeyemi on "Solve 2x + 3 = 11 and explain each step"'
    assert "Hello Ada," in email.body
    assert "/n/" in email.body and "/notifications/settings/" in email.body


@pytest.mark.parametrize("kind", [key for key, kind in KINDS.items() if kind.configurable])
def test_every_sms_fits_one_gsm_message_even_with_a_long_title(verified_bola, verified_ada, after_commit, kind):
    user = verified_bola if "tutor" in KINDS[kind].roles else verified_ada
    if KINDS[kind].roles == (STAFF,):
        user = User.objects.create_superuser("sade@example.com", "x", full_name="Sade Staff", phone="+2348021234567")
        verify_phone(user)
    Preference.objects.create(user=user, kind=kind, channel=SMS, enabled=True)
    long_title = "Please help me understand “integration by parts” — with worked examples for my WAEC revision"

    with after_commit():
        notify(user, kind, **{**CONTEXT, "question_title": long_title})

    body = sms.outbox[0].body
    assert len(body) <= SMS_LIMIT, body
    assert set(body) <= GSM_CHARS
    assert "/n/" in body  # the link survives the shortening


def test_a_student_gets_no_sms_until_the_phone_is_verified(ada, after_commit):
    with after_commit():
        notify(ada, "work_delivered", **CONTEXT)

    assert sms.outbox == []
    assert len(mail.outbox) == 1
    assert Notification.objects.visible_to(ada).count() == 1


def test_turning_a_channel_off_and_another_on_is_honoured(verified_bola, after_commit):
    choices = {("bid_accepted", SMS): False, ("new_message", SMS): True}
    save_preferences(user=verified_bola, choices=choices, quiet_start=None, quiet_end=None)

    with after_commit():
        notify(verified_bola, "bid_accepted", **CONTEXT)
        notify(verified_bola, "new_message", **CONTEXT)

    assert len(sms.outbox) == 1
    assert "Ada Okonkwo sent you a message" in sms.outbox[0].body


def test_turning_off_in_app_hides_it_from_the_centre_but_keeps_the_record(ada, after_commit):
    save_preferences(user=ada, choices={("new_bid", IN_APP): False}, quiet_start=None, quiet_end=None)

    with after_commit():
        notification = notify(ada, "new_bid", **CONTEXT)

    assert not Notification.objects.visible_to(ada).exists()
    assert notification.messages.get().channel == "email"


def test_a_kind_for_tutors_is_refused_for_a_student(ada):
    with pytest.raises(ValueError, match="for tutors"):
        notify(ada, "matching_question", **CONTEXT)


def test_a_missing_context_value_is_a_clear_error(ada):
    with pytest.raises(ValueError, match="needs amount_display"):
        notify(ada, "new_bid", question_title="x", tutor_name="Bola", url="/q/1/")


def test_an_outside_link_is_refused(ada):
    with pytest.raises(ValueError, match="path on this site"):
        notify(ada, "new_bid", **{**CONTEXT, "url": "https://evil.example/"})


def test_a_rollback_sends_nothing(verified_bola, after_commit):
    with after_commit(), pytest.raises(RuntimeError), transaction.atomic():
        notify(verified_bola, "payout_sent", **CONTEXT)
        raise RuntimeError("the payout transaction failed")

    assert sms.outbox == [] and mail.outbox == []
    assert not Notification.objects.exists() and not OutboundMessage.objects.exists()


def test_quiet_hours_hold_a_non_urgent_sms_until_they_end(verified_bola, clock, after_commit):
    QuietHours.objects.create(user=verified_bola, start=NOON.time().replace(hour=22), end=NOON.time().replace(hour=7))
    clock.set(NOON.replace(hour=23))

    with after_commit():
        notify(verified_bola, "revision_requested", **CONTEXT)

    assert sms.outbox == []
    assert len(mail.outbox) == 1  # email is not held
    clock.set(NOON.replace(day=11, hour=7, minute=1))
    deliver_due_messages()
    assert len(sms.outbox) == 1


def test_urgent_sms_ignore_quiet_hours(verified_bola, clock, after_commit):
    QuietHours.objects.create(user=verified_bola, start=NOON.time().replace(hour=22), end=NOON.time().replace(hour=7))
    clock.set(NOON.replace(hour=2, tzinfo=LAGOS))

    with after_commit():
        notify(verified_bola, "payout_failed", **CONTEXT)

    assert len(sms.outbox) == 1


def test_matching_questions_after_the_first_wait_for_an_hourly_digest(verified_bola, clock, after_commit):
    save_preferences(user=verified_bola, choices={("matching_question", SMS): True}, quiet_start=None, quiet_end=None)

    for title in ["Quadratic equations", "Vectors in 3D", "Circle theorems"]:
        with after_commit():
            notify(verified_bola, "matching_question", **{**CONTEXT, "question_title": title})
        clock.advance(minutes=5)

    assert len(sms.outbox) == 1
    assert "Quadratic equations" in sms.outbox[0].body
    clock.advance(hours=1)
    deliver_due_messages()
    assert len(sms.outbox) == 2
    assert sms.outbox[1].body.startswith('Expert Hive: 2 new questions match your subjects, e.g. "Vectors in 3D"')
    assert Notification.objects.visible_to(verified_bola).count() == 3  # the centre lists each one
