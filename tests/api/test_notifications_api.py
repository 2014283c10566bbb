"""The notification centre through the API: your own notifications only, newest first, read marks."""

import pytest

from notifications.services import notify
from tests.api.conftest import error_code
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def test_a_tutor_lists_their_notifications_newest_first(as_bola, bola):
    notify(bola, "bid_accepted", question_title="Older", url="/a/")
    notify(bola, "bid_accepted", question_title="Newer", url="/b/")

    page = as_bola.get("/notifications").json()

    assert [(item["title"], item["url"]) for item in page["items"]] == [
        ('Your bid on "Newer" was accepted', "/b/"),
        ('Your bid on "Older" was accepted', "/a/"),
    ]
    assert page["unread_count"] == 2
    assert all(item["read_at"] is None for item in page["items"])


def test_nobody_sees_another_persons_notifications(as_chen, bola, chen):
    notify(bola, "bid_accepted", question_title="Bola's", url="/mine/")

    page = as_chen.get("/notifications").json()

    assert "/mine/" not in [item["url"] for item in page["items"]]


def test_reading_one_marks_it_and_lowers_the_count(as_bola, bola):
    first = notify(bola, "bid_accepted", question_title="One", url="/one/")
    notify(bola, "bid_accepted", question_title="Two", url="/two/")

    answer = as_bola.post(f"/notifications/{first.pk}/read")

    assert answer.status_code == 200 and answer.json()["read_at"] is not None
    assert as_bola.get("/notifications").json()["unread_count"] == 1
    assert [item["url"] for item in as_bola.get("/notifications", {"unread": "true"}).json()["items"]] == ["/two/"]


def test_someone_elses_notification_cannot_be_marked_read(as_chen, bola):
    note = notify(bola, "bid_accepted", question_title="Bola's", url="/mine/")

    answer = as_chen.post(f"/notifications/{note.pk}/read")

    assert answer.status_code == 404 and error_code(answer) == "not_found"
    note.refresh_from_db()
    assert note.read_at is None


def test_marking_all_read_answers_how_many(as_bola, bola):
    for n in range(3):
        notify(bola, "bid_accepted", question_title=f"Q{n}", url=f"/{n}/")

    answer = as_bola.post("/notifications/read")

    assert answer.json() == {"marked": 3}
    assert as_bola.get("/notifications").json()["unread_count"] == 0


def test_without_a_token_there_is_nothing(anonymous):
    assert anonymous.get("/notifications").status_code == 401


def test_a_damaged_cursor_is_a_clear_error(as_bola):
    answer = as_bola.get("/notifications", {"cursor": "not-a-cursor"})

    assert answer.status_code == 400
    assert "cursor" in answer.json()["error"]["fields"]


def test_the_list_makes_the_same_queries_for_1_and_50_notifications(as_bola, bola):
    notify(bola, "bid_accepted", question_title="One", url="/1/")
    as_bola.get("/notifications")
    one, _ = count_queries(lambda: as_bola.get("/notifications"))
    for n in range(50):
        notify(bola, "bid_accepted", question_title=f"Q{n}", url=f"/{n}/")

    many, page = count_queries(lambda: as_bola.get("/notifications", {"limit": 50}).json())

    assert len(page["items"]) == 50
    assert many == one <= 5
