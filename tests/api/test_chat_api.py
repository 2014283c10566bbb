"""Chat through the API: conversations, messages with a resume / scroll-back cursor, posting,
read marks and files, with the same rules as the socket and the page."""

import pytest
from django.test import Client

from chat import limits, services
from chat.masking import HIDDEN, NOTICE
from chat.models import Message, Participant
from chat.payloads import message_payload
from tests.api.conftest import API, error_code, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(bola_bid, ada):
    return services.open_conversation(bid=bola_bid, by=ada)


def messages_url(conversation) -> str:
    return f"/conversations/{conversation.pk}/messages"


def say(conversation, user, count: int = 1) -> None:
    for _ in range(count):
        n = Message.objects.count() + 1
        services.post_message(conversation=conversation, by=user, text=f"m{n}", client_id=f"say-{n:06}")


def seqs(response) -> list[int]:
    return [message["seq"] for message in response.json()["items"]]


def read_mark(conversation, user) -> int:
    return Participant.objects.get(conversation=conversation, user=user).last_read_seq


# --- Talking -------------------------------------------------------------------------------------


def test_ada_and_bola_exchange_messages_and_both_see_them(as_ada, as_bola, conversation, ada, bola):
    asked = as_ada.post(messages_url(conversation), {"text": "Can you show **each** step?"})
    answered = as_bola.post(messages_url(conversation), {"text": "Yes, one at a time."})

    assert asked.status_code == answered.status_code == 201
    assert asked.json()["message"]["seq"] == 1
    assert asked.json()["notice"] is None
    for client in (as_ada, as_bola):
        page = client.get(messages_url(conversation)).json()
        assert [(m["sender"]["name"], m["text"]) for m in page["items"]] == [
            ("Ada Okonkwo", "Can you show **each** step?"),
            ("Bola Adeyemi", "Yes, one at a time."),
        ]
        assert page["items"][0]["html"] == "<p>Can you show <strong>each</strong> step?</p>"
        assert page["last_seq"] == 2
        assert page["next"] is None
    # Writing means having read what came before: each side has read everything up to its own message.
    assert {mark["user_id"]: mark["seq"] for mark in page["read_marks"]} == {ada.pk: 1, bola.pk: 2}


def test_the_tutor_opens_the_conversation_about_his_bid(as_bola, as_ada, bola_bid, ada):
    opened = as_bola.post(f"/bids/{bola_bid.pk}/conversation")
    again = as_ada.post(f"/bids/{bola_bid.pk}/conversation")

    assert opened.status_code == again.status_code == 200
    assert opened.json()["id"] == again.json()["id"]
    assert opened.json()["other"] == {"id": ada.pk, "name": "Ada Okonkwo"}
    assert opened.json()["question"]["title"] == "Solve a quadratic equation"


def test_the_list_shows_each_conversation_with_its_unread_count_and_engagement(
    as_bola, as_ada, chen_bid, conversation, engagement, ada
):
    services.open_conversation(bid=chen_bid, by=ada)  # Ada also talks to Chen; not Bola's business
    say(conversation, ada, 3)

    items = as_bola.get("/conversations").json()["items"]

    assert len(items) == 1
    assert items[0]["id"] == conversation.pk
    assert items[0]["other"] == {"id": ada.pk, "name": "Ada Okonkwo"}
    assert (items[0]["unread"], items[0]["last_seq"], items[0]["last_read_seq"]) == (3, 3, 0)
    assert items[0]["bid_id"] == engagement.bid_id
    assert items[0]["engagement"] == {"id": engagement.pk, "status": "awaiting_payment"}
    assert len(as_ada.get("/conversations").json()["items"]) == 2


def test_the_list_puts_the_latest_activity_first_and_pages_with_a_cursor(as_ada, conversation, chen_bid, ada):
    quiet = services.open_conversation(bid=chen_bid, by=ada)
    say(conversation, ada)  # newer activity than the quiet one's opening

    first = as_ada.get("/conversations", {"limit": 1}).json()
    second = as_ada.get("/conversations", {"limit": 1, "cursor": first["next_cursor"]}).json()

    assert [item["id"] for item in first["items"]] == [conversation.pk]
    assert [item["id"] for item in second["items"]] == [quiet.pk]
    assert second["next_cursor"] is None


def test_resuming_with_after_gives_exactly_the_missed_messages(as_bola, conversation, ada):
    say(conversation, ada, 5)

    missed = as_bola.get(messages_url(conversation), {"after": 2})
    in_pages = as_bola.get(messages_url(conversation), {"after": 2, "limit": 2})
    rest = as_bola.get(messages_url(conversation), {"after": 2, "limit": 2, **in_pages.json()["next"]})
    nothing_new = as_bola.get(messages_url(conversation), {"after": 5})

    assert seqs(missed) == [3, 4, 5]
    assert missed.json()["next"] is None
    assert seqs(in_pages) == [3, 4]
    assert in_pages.json()["next"] == {"after": 4}
    assert seqs(rest) == [5]
    assert seqs(nothing_new) == []


def test_before_scrolls_back_page_by_page(as_bola, conversation, ada):
    say(conversation, ada, 5)

    latest = as_bola.get(messages_url(conversation), {"limit": 2})
    older = as_bola.get(messages_url(conversation), {"limit": 2, "before": latest.json()["next"]["before"]})
    oldest = as_bola.get(messages_url(conversation), {"limit": 2, "before": older.json()["next"]["before"]})

    assert seqs(latest) == [4, 5]
    assert latest.json()["next"] == {"before": 4}
    assert seqs(older) == [2, 3]
    assert seqs(oldest) == [1]
    assert oldest.json()["next"] is None


def test_reading_messages_does_not_mark_them_read(as_bola, conversation, ada, bola):
    say(conversation, ada, 2)

    as_bola.get(messages_url(conversation))

    assert read_mark(conversation, bola) == 0


def test_a_read_mark_moves_forward_only_and_clears_the_unread_count(as_bola, conversation, ada, bola):
    say(conversation, ada, 3)

    assert as_bola.post(f"/conversations/{conversation.pk}/read", {"seq": 2}).json() == {"last_read_seq": 2}
    assert as_bola.post(f"/conversations/{conversation.pk}/read", {"seq": 1}).json() == {"last_read_seq": 2}
    assert as_bola.post(f"/conversations/{conversation.pk}/read", {"seq": 99}).json() == {"last_read_seq": 3}
    assert as_bola.get("/conversations").json()["items"][0]["unread"] == 0


def test_files_are_listed_with_download_links_for_the_two_people_only(as_ada, as_dayo, conversation, bola):
    services.post_message(conversation=conversation, by=bola, text="", files=[pdf("notes.pdf")], client_id="file-0001")

    file = as_ada.get(messages_url(conversation)).json()["items"][0]["files"][0]
    download = as_ada.client.get(file["url"], headers=as_ada._headers())

    assert (file["name"], file["content_type"]) == ("notes.pdf", "application/pdf")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert as_dayo.client.get(file["url"], headers=as_dayo._headers()).status_code == 404


# --- Contact details -----------------------------------------------------------------------------


def test_contact_details_are_hidden_before_payment_exactly_as_the_socket_shows_them(as_bola, as_ada, conversation):
    posted = as_bola.post(messages_url(conversation), {"text": "Or WhatsApp me on 0803 123 4567."})

    assert posted.json()["notice"] == NOTICE
    seen = as_ada.get(messages_url(conversation)).json()["items"][0]
    assert seen["text"] == f"Or WhatsApp me on {HIDDEN}."
    assert seen["masked"] is True
    assert seen["html"] == message_payload(Message.objects.get())["html"]
    assert "0803" not in str(seen)


def test_nothing_is_hidden_once_the_student_has_paid(as_bola, as_ada, funded, ada):
    conversation = services.open_conversation(bid=funded.bid, by=ada)

    posted = as_bola.post(messages_url(conversation), {"text": "Call me on 0803 123 4567."})

    assert posted.json()["notice"] is None
    seen = as_ada.get(messages_url(conversation)).json()["items"][0]
    assert (seen["text"], seen["masked"]) == ("Call me on 0803 123 4567.", False)


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({"text": "x" * (services.MAX_LENGTH + 1)}, "text"),
        ({"text": "nul \x00 byte"}, "text"),
        ({}, "text"),
        ({"text": "hi", "client_id": "short"}, "client_id"),
        ({"text": "hi", "client_id": "has spaces in it"}, "client_id"),
    ],
)
def test_a_bad_message_is_a_422_naming_the_field_and_nothing_is_saved(as_ada, conversation, body, field):
    response = as_ada.post(messages_url(conversation), body)

    assert response.status_code == 422
    assert error_code(response) == "invalid"
    assert field in response.json()["error"]["fields"]
    assert not Message.objects.exists()


def test_the_longest_message_allowed_goes_through(as_ada, conversation):
    assert as_ada.post(messages_url(conversation), {"text": "x" * services.MAX_LENGTH}).status_code == 201


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "three"}, "after"),
        ({"before": "1.5"}, "before"),
        ({"after": -1}, "after"),
        ({"after": 2**40}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
    ],
)
def test_a_bad_cursor_is_a_422_naming_it(as_ada, conversation, params, field):
    response = as_ada.get(messages_url(conversation), params)

    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_after_and_before_together_is_a_422(as_ada, conversation):
    response = as_ada.get(messages_url(conversation), {"after": 1, "before": 3})

    assert response.status_code == 422
    assert "Send after or before, not both." in str(response.json()["error"]["fields"])


def test_a_bad_read_mark_is_a_422_and_moves_nothing(as_bola, conversation, ada, bola):
    say(conversation, ada)

    response = as_bola.post(f"/conversations/{conversation.pk}/read", {"seq": "all"})

    assert response.status_code == 422
    assert "seq" in response.json()["error"]["fields"]
    assert read_mark(conversation, bola) == 0


def test_a_damaged_list_cursor_is_a_400(as_ada, conversation):
    response = as_ada.get("/conversations", {"cursor": "bm90LWEtY3Vyc29y"})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


# --- Retries and limits --------------------------------------------------------------------------


def test_a_retried_post_with_the_same_client_id_is_stored_once(as_ada, conversation):
    body = {"text": "Are you free tonight?", "client_id": "phone-0000001"}

    first = as_ada.post(messages_url(conversation), body)
    retry = as_ada.post(messages_url(conversation), body)

    assert first.status_code == retry.status_code == 201
    assert first.json()["message"]["id"] == retry.json()["message"]["id"]
    assert Message.objects.count() == 1


def test_posts_without_a_client_id_are_separate_messages(as_ada, conversation):
    as_ada.post(messages_url(conversation), {"text": "Hello"})
    as_ada.post(messages_url(conversation), {"text": "Hello"})

    assert Message.objects.count() == 2


def test_a_flood_is_refused_with_a_429_and_nothing_more_is_saved(as_ada, conversation, ada, settings):
    settings.CHAT_RATE_LIMIT = 2
    limits.reset(ada.pk)

    responses = [as_ada.post(messages_url(conversation), {"text": f"hi {n}"}) for n in range(3)]

    assert [response.status_code for response in responses] == [201, 201, 429]
    assert error_code(responses[-1]) == "rate_limited"
    assert responses[-1].json()["error"]["message"] == services.RATE_LIMITED
    assert Message.objects.count() == 2


def test_a_message_about_a_withdrawn_bid_is_refused(as_ada, conversation, bola_bid, bola):
    from bidding import services as bid_services

    bid_services.withdraw_bid(bid=bola_bid, by=bola)

    response = as_ada.post(messages_url(conversation), {"text": "Still there?"})

    assert response.status_code == 400
    assert error_code(response) == "closed"
    assert not Message.objects.exists()


# --- Who may -------------------------------------------------------------------------------------


def test_a_stranger_gets_404_everywhere_and_nothing_changes(as_dayo, conversation, ada, bola):
    say(conversation, ada)

    assert as_dayo.get("/conversations").json()["items"] == []
    for response in (
        as_dayo.get(messages_url(conversation)),
        as_dayo.post(messages_url(conversation), {"text": "Hi, I'm a stranger"}),
        as_dayo.post(f"/conversations/{conversation.pk}/read", {"seq": 1}),
    ):
        assert response.status_code == 404
        assert error_code(response) == "not_found"
    assert Message.objects.count() == 1
    assert (read_mark(conversation, ada), read_mark(conversation, bola)) == (1, 0)


def test_a_tutor_cannot_read_another_tutors_conversation_or_open_one_about_his_bid(as_chen, conversation, bola_bid):
    assert as_chen.get(messages_url(conversation)).status_code == 404
    assert as_chen.post(messages_url(conversation), {"text": "Pick me instead"}).status_code == 404
    assert as_chen.post(f"/bids/{bola_bid.pk}/conversation").status_code == 404
    assert not Message.objects.exists()


def test_staff_read_a_conversation_but_neither_write_nor_mark_it_read(as_staff, conversation, ada, bola):
    say(conversation, ada)

    assert seqs(as_staff.get(messages_url(conversation))) == [1]
    written = as_staff.post(messages_url(conversation), {"text": "Staff here"})
    marked = as_staff.post(f"/conversations/{conversation.pk}/read", {"seq": 1})

    assert (written.status_code, marked.status_code) == (403, 403)
    assert error_code(written) == "forbidden"
    assert Message.objects.count() == 1
    assert read_mark(conversation, bola) == 0


def test_no_credentials_is_a_401(anonymous, conversation):
    assert anonymous.get("/conversations").status_code == 401
    assert anonymous.post(messages_url(conversation), {"text": "hi"}).status_code == 401
    assert not Message.objects.exists()


def test_the_site_session_reads_and_writes_with_the_csrf_token(ada, conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    client.get(conversation.get_absolute_url())  # the page sets the CSRF cookie, as a real visit would
    url = f"{API}/conversations/{conversation.pk}/messages"

    refused = client.post(url, '{"text": "no token"}', content_type="application/json")
    sent = client.post(
        url,
        '{"text": "from the page"}',
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert (refused.status_code, error_code(refused)) == (403, "csrf_failed")
    assert sent.status_code == 201
    assert [m["text"] for m in client.get(url).json()["items"]] == ["from the page"]
