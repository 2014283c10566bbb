"""The live badge hears about notifications: a new one in the app, or one read, nudges the user's
badge sockets once the change is committed (the sockets then count again from the database)."""

import pytest

from notifications.kinds import IN_APP
from notifications.models import Notification
from notifications.services import mark_all_read, mark_read, notify, save_preferences
from tests.notifications.test_notify import CONTEXT

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What would have gone out on the channel layer."""
    sent: list = []
    monkeypatch.setattr("core.realtime.broadcast_all", sent.extend)
    return sent


def nudge(user) -> tuple:
    return (f"user-{user.pk}", {"type": "counts.changed"})


def test_a_new_notification_nudges_the_badge_only_after_the_commit(ada, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(ada, "new_bid", **CONTEXT)
        assert sent == []  # a rolled-back notification never shows on a badge
    for callback in callbacks:
        callback()

    assert sent == [nudge(ada)]


def test_a_notification_kept_out_of_the_app_does_not_nudge(ada, sent, django_capture_on_commit_callbacks):
    save_preferences(user=ada, choices={("new_bid", IN_APP): False}, quiet_start=None, quiet_end=None)

    with django_capture_on_commit_callbacks(execute=True):
        notify(ada, "new_bid", **CONTEXT)

    assert nudge(ada) not in sent


def test_reading_nudges_once_and_reading_again_does_not(ada, sent, django_capture_on_commit_callbacks):
    notification = notify(ada, "new_bid", **CONTEXT)

    with django_capture_on_commit_callbacks(execute=True):
        mark_read(notification=notification)
        mark_read(notification=Notification.objects.get(pk=notification.pk))

    assert sent == [nudge(ada)]


def test_marking_all_read_nudges_only_when_something_was_unread(ada, dayo, sent, django_capture_on_commit_callbacks):
    notify(ada, "new_bid", **CONTEXT)

    with django_capture_on_commit_callbacks(execute=True):
        assert mark_all_read(user=ada) == 1
        assert mark_all_read(user=ada) == 0
        mark_all_read(user=dayo)

    assert sent == [nudge(ada)]


def test_the_badge_reads_both_counts_in_one_query(ada, bola, bola_bid):
    from chat import services as chat_services
    from tests.queries import count_queries

    conversation = chat_services.open_conversation(bid=bola_bid, by=ada)
    for n in range(3):
        chat_services.post_message(conversation=conversation, by=bola, text="Hi", client_id=f"badge-{n:04}")
    notify(ada, "new_bid", **CONTEXT)

    queries, counts = count_queries(lambda: chat_services.unread_counts(ada))

    assert counts == {"chat": 3, "notifications": 2}  # the bid itself told Ada too
    assert queries == 1
