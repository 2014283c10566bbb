"""Conversation pages, the form fallback, attachments and the rules behind them (the JSON is in tests/api)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chat import services
from chat.masking import HIDDEN, mask_contacts
from chat.models import Message, MessageFile
from chat.reminders import remind_unread
from tests.conftest import PDF_BYTES, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(bola_bid, ada):
    return services.open_conversation(bid=bola_bid, by=ada)


def say(conversation, user, text, client_id=None):
    return services.post_message(
        conversation=conversation, by=user, text=text, client_id=client_id or f"c-{Message.objects.count():08}"
    )


def send_form(client, conversation, text, client_id="form-0000001", follow=False, **extra):
    data = {"text": text, "client_id": client_id, **extra}
    return client.post(reverse("chat_send", args=[conversation.pk]), data, follow=follow)


# --- Getting there -------------------------------------------------------------------------------


def test_the_student_messages_a_tutor_from_the_bid_card(client, ada, bola_bid):
    client.force_login(ada)
    page = client.get(bola_bid.question.get_absolute_url()).text
    link = reverse("chat_for_bid", args=[bola_bid.pk])
    assert f'href="{link}">Message Bola' in page

    response = client.get(link, follow=True)

    assert response.status_code == 200
    assert "<h1>Bola Adeyemi" in response.text
    assert "stay hidden until the student has paid" in response.text


def test_the_tutor_messages_the_student_from_their_bid(client, bola, bola_bid):
    client.force_login(bola)
    assert reverse("chat_for_bid", args=[bola_bid.pk]) in client.get(bola_bid.question.get_absolute_url()).text

    response = client.get(reverse("chat_for_bid", args=[bola_bid.pk]), follow=True)

    assert "<h1>Ada Okonkwo" in response.text


def test_the_engagement_page_links_to_the_same_conversation(client, ada, engagement, conversation):
    client.force_login(ada)

    page = client.get(engagement.get_absolute_url()).text
    response = client.get(reverse("chat_for_bid", args=[engagement.bid_id]))

    assert "Messages with Bola" in page
    assert response.url == conversation.get_absolute_url()


def test_strangers_and_other_tutors_get_a_404(client, dayo, chen, conversation, bola_bid):
    for outsider in (dayo, chen):
        client.force_login(outsider)
        assert client.get(conversation.get_absolute_url()).status_code == 404
        assert client.get(reverse("chat_for_bid", args=[bola_bid.pk])).status_code == 404
        assert send_form(client, conversation, "hi").status_code == 404
    assert Message.objects.count() == 0


def test_logged_out_visitors_are_sent_to_log_in(client, conversation):
    response = client.get(conversation.get_absolute_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- The form fallback (no JavaScript) -----------------------------------------------------------


def test_a_message_sent_with_the_plain_form_shows_after_the_redirect(client, ada, conversation):
    client.force_login(ada)

    response = send_form(client, conversation, "Can you do it by **Friday**?")
    page = client.get(response.url.split("#")[0]).text

    assert response.status_code == 302
    assert response.url == f"{conversation.get_absolute_url()}#m1"
    assert "<strong>Friday</strong>" in page
    assert 'id="m1"' in page


def test_pressing_send_twice_stores_the_message_once(client, ada, conversation):
    client.force_login(ada)

    send_form(client, conversation, "Hello", client_id="form-same-01")
    send_form(client, conversation, "Hello", client_id="form-same-01")

    assert Message.objects.count() == 1


def test_an_empty_message_is_refused_on_the_page(client, ada, conversation):
    client.force_login(ada)

    response = send_form(client, conversation, "   ")

    assert response.status_code == 400
    assert services.EMPTY in response.text


def test_the_sender_is_told_why_contact_details_were_hidden(client, bola, conversation):
    client.force_login(bola)

    response = send_form(client, conversation, "Text me on +234 803 123 4567", follow=True)

    assert "We hid contact details in your message" in response.text
    assert "803 123 4567" not in response.text
    assert HIDDEN in response.text


def test_staff_read_but_have_no_form(client, staff, ada, conversation):
    say(conversation, ada, "Hello Bola")
    client.force_login(staff)

    page = client.get(conversation.get_absolute_url()).text

    assert "Hello Bola" in page
    assert "data-chat-form" not in page
    with pytest.raises(Exception, match="Only the student and the tutor"):
        say(conversation, staff, "Staff here")


def test_older_messages_page_back_with_a_link(client, ada, conversation):
    for n in range(55):
        say(conversation, ada, f"message number {n + 1}")
    client.force_login(ada)

    latest = client.get(conversation.get_absolute_url()).text
    older = client.get(conversation.get_absolute_url() + "?before=6").text

    assert "message number 55" in latest and "message number 5<" not in latest
    assert 'href="?before=6"' in latest
    assert "message number 5<" in older and "message number 6<" not in older


def test_the_page_makes_the_same_number_of_queries_for_1_and_50_messages(
    client, ada, bola, conversation, django_assert_max_num_queries, django_assert_num_queries
):
    say(conversation, bola, "first", client_id="first-000001")
    client.force_login(ada)
    with django_assert_max_num_queries(20) as one:
        client.get(conversation.get_absolute_url())
    for n in range(49):
        say(conversation, bola, f"more {n}", client_id=f"more-{n:08}")

    with django_assert_num_queries(len(one.captured_queries)):
        client.get(conversation.get_absolute_url())


# --- Attachments -----------------------------------------------------------------------------------


def test_attachments_are_private_to_the_two_people(client, ada, bola, dayo, staff, conversation):
    message = services.post_message(
        conversation=conversation, by=ada, text="My working", files=[pdf("working.pdf")], client_id="files-000001"
    )
    url = message.files.get().get_absolute_url()

    client.force_login(bola)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="working.pdf"')
    assert b"".join(response.streaming_content) == PDF_BYTES
    client.force_login(dayo)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    assert client.get(url).status_code == 200


def test_a_file_that_is_not_a_document_or_an_image_is_refused(client, ada, conversation):
    client.force_login(ada)
    script = SimpleUploadedFile("notes.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")

    response = send_form(client, conversation, "", attachments=[script])

    assert response.status_code == 400
    assert "Only PDF, Word (.docx) and image files" in response.text
    assert not MessageFile.objects.exists()


def test_a_file_sent_with_the_form_shows_as_a_download_link(client, ada, conversation):
    client.force_login(ada)

    response = send_form(client, conversation, "", attachments=[pdf("graph.pdf")], follow=True)

    assert "graph.pdf</a>" in response.text


# --- Reading -------------------------------------------------------------------------------------


def test_the_navigation_shows_unread_messages_until_they_are_read(client, ada, bola, conversation):
    say(conversation, ada, "one")
    say(conversation, ada, "two")
    client.force_login(bola)

    before = client.get("/").text
    client.get(conversation.get_absolute_url())
    after = client.get("/").text

    assert '<span data-badge-count>2</span><span class="visually-hidden"> unread</span>' in before
    assert "data-badge-chat hidden" in after


def test_the_inbox_lists_conversations_with_their_unread_counts(client, ada, bola, conversation):
    say(conversation, ada, "Hello")
    client.force_login(bola)

    page = client.get(reverse("chat_inbox")).text

    assert "Ada Okonkwo" in page
    assert "Solve a quadratic equation" in page
    assert '1<span class="sr-only"> unread</span>' in page


def test_a_read_mark_never_moves_back_or_past_the_last_message(ada, bola, conversation):
    for n in range(3):
        say(conversation, ada, f"m{n}")

    assert services.mark_read(conversation=conversation, by=bola, seq=99) == 3
    assert services.mark_read(conversation=conversation, by=bola, seq=1) == 3
    assert services.unread_counts(bola)["chat"] == 0


def test_only_the_two_people_keep_read_marks(ada, staff, conversation):
    say(conversation, ada, "hello")

    with pytest.raises(PermissionDenied):
        services.mark_read(conversation=conversation, by=staff, seq=1)


def test_the_read_receipt_shows_seen_once_the_other_side_read(client, ada, bola, conversation):
    say(conversation, ada, "Did you get it?")
    client.force_login(ada)
    assert ">Sent</p>" in client.get(conversation.get_absolute_url()).text

    services.mark_read(conversation=conversation, by=bola, seq=1)

    assert ">Seen</p>" in client.get(conversation.get_absolute_url()).text


# --- Rules -----------------------------------------------------------------------------------------


def test_messages_are_numbered_one_after_another_per_conversation(ada, bola, conversation, chen_bid):
    other = services.open_conversation(bid=chen_bid, by=ada)

    seqs = [say(conversation, ada, "a").seq, say(conversation, bola, "b").seq, say(other, ada, "c").seq]

    assert seqs == [1, 2, 1]
    conversation.refresh_from_db()
    assert conversation.last_seq == 2


def test_a_withdrawn_bid_closes_its_conversation(ada, bola, bola_bid, conversation):
    from bidding import services as bid_services

    bid_services.withdraw_bid(bid=bola_bid, by=bola)

    with pytest.raises(Exception, match="withdrawn"):
        say(conversation, ada, "Still there?")


@pytest.mark.parametrize(
    "text",
    [
        "call 08031234567",
        "call +234 803 123 4567",
        "call (0803) 123-4567",
        "email me: bola.tutor@gmail.com",
        "bola [at] gmail [dot] com",
        "wa.me/2348031234567",
        "https://chat.whatsapp.com/AbCdEf",
        "t.me/bolatutor",
        "find me @bola_tutor",
    ],
)
def test_contact_details_are_masked(text):
    masked, changed = mask_contacts(text)

    assert changed
    assert HIDDEN in masked


@pytest.mark.parametrize("text", ["x = 2 or x = 3", "It costs 5000 naira", "Page 123, question 4", "by 12:30 on 5/6"])
def test_ordinary_numbers_and_maths_are_left_alone(text):
    assert mask_contacts(text) == (text, False)


# --- The bid board fragment --------------------------------------------------------------------------


def test_the_bid_board_fragment_is_the_bids_alone(client, ada, bola_bid):
    client.force_login(ada)

    fragment = client.get(bola_bid.question.get_absolute_url() + "?partial=board").text

    assert "factorise step by step" in fragment
    assert "<html" not in fragment and "<h1>" not in fragment


def test_a_bid_change_is_announced_after_commit(bola, question, django_capture_on_commit_callbacks, monkeypatch):
    from bidding import services as bid_services

    sent = []
    monkeypatch.setattr("core.realtime.broadcast_all", sent.extend)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bid = bid_services.place_bid(question=question, tutor=bola, amount=400_000, message="Hi", delivery_hours=5)
        assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    change = {"type": "bids.changed", "bid": bid.pk, "tutor": bola.pk, "change": "placed"}
    assert (f"question-{question.pk}-bids", change) in sent
    assert (f"user-{question.student_id}", {"type": "counts.changed"}) in sent  # Ada's new-bid notification


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def test_an_unread_message_notifies_the_other_person_once_per_unread_stretch(ada, bola, conversation):
    from notifications.models import Notification

    say(conversation, ada, "Are you there?", client_id="away-0001")
    say(conversation, ada, "Hello?", client_id="away-0002")

    assert remind_unread(now=later(1)) == 0  # not away yet: they may be reading
    assert remind_unread(now=later(3)) == 1
    assert remind_unread(now=later(4)) == 0  # the same stretch is told once

    note = Notification.objects.get(user=bola, kind="new_message")
    assert note.title == 'New message from Ada about "Solve a quadratic equation"'
    assert note.url == conversation.get_absolute_url()
    assert not Notification.objects.filter(user=ada, kind="new_message").exists()


def test_a_new_unread_stretch_after_reading_is_told_again(ada, bola, conversation):
    from notifications.models import Notification

    first = say(conversation, ada, "Are you there?", client_id="away-0001")
    remind_unread(now=later(3))
    services.mark_read(conversation=conversation, by=bola, seq=first.seq)
    say(conversation, ada, "One more thing", client_id="away-0002")

    assert remind_unread(now=later(6)) == 1
    assert Notification.objects.filter(user=bola, kind="new_message").count() == 2


def test_a_message_already_read_notifies_nobody(bola, ada, conversation):
    from notifications.models import Notification

    message = say(conversation, ada, "Quick one", client_id="read-0001")
    services.mark_read(conversation=conversation, by=bola, seq=message.seq)

    assert remind_unread(now=later(3)) == 0
    assert not Notification.objects.filter(user=bola, kind="new_message").exists()


def test_sending_a_message_writes_nothing_for_the_reminder(
    ada, conversation, django_assert_max_num_queries, django_capture_on_commit_callbacks, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    say(conversation, ada, "Warm-up", client_id="warm-0001")
    with django_assert_max_num_queries(20) as captured, django_capture_on_commit_callbacks(execute=True):
        say(conversation, ada, "Are you there?", client_id="away-0001")
    written = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]

    assert not DBTaskResult.objects.exists()
    assert len(written) == 3, written  # the conversation's counter, the message, the sender's read mark
