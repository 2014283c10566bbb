"""The notification centre, the unread badge and the settings page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification, Preference, QuietHours, SmsOptOut
from notifications.services import notify
from tests.notifications.test_notify import CONTEXT

pytestmark = pytest.mark.django_db


def bid_for(user, title="Solve 2x + 3 = 11") -> Notification:
    return notify(user, "new_bid", **{**CONTEXT, "question_title": title})


def test_the_centre_lists_my_notifications_with_links_and_not_anyone_elses(client, ada, dayo):
    mine = bid_for(ada, "Ada's fractions")
    bid_for(dayo, "Dayo's essay")
    client.force_login(ada)

    page = client.get("/notifications/").text

    assert "Ada&#x27;s fractions" in page
    assert f'href="/n/{mine.short_code}/"' in page
    assert "Dayo" not in page


def test_the_navigation_shows_the_unread_count(client, ada):
    bid_for(ada)
    bid_for(ada)
    client.force_login(ada)

    page = client.get("/").text

    assert re.search(
        r'class="badge" data-badge-notifications><span data-badge-count>2</span><span class="visually-hidden"> unread',
        page,
    )


def test_no_badge_when_everything_is_read(client, ada):
    client.force_login(ada)

    assert 'class="badge" data-badge-notifications hidden>' in client.get("/").text


def test_a_hundred_unread_show_as_99_plus(client, ada):
    for _ in range(100):
        bid_for(ada)
    client.force_login(ada)

    assert "data-badge-notifications><span data-badge-count>99+</span>" in client.get("/").text


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, ada):
    notification = bid_for(ada)
    client.force_login(ada)

    response = client.get(f"/n/{notification.short_code}/")

    notification.refresh_from_db()
    assert response.status_code == 302 and response.url == "/questions/12/"
    assert notification.read_at is not None


def test_the_short_link_asks_a_signed_out_visitor_to_log_in(client, ada):
    notification = bid_for(ada)

    response = client.get(f"/n/{notification.short_code}/")

    assert response.status_code == 302 and response.url.startswith("/login/?next=/n/")


def test_mark_read_and_mark_all_read(client, ada):
    first = bid_for(ada)
    bid_for(ada)
    bid_for(ada)
    client.force_login(ada)

    client.post(f"/notifications/{first.pk}/read/")
    assert Notification.objects.visible_to(ada).unread().count() == 2
    response = client.post("/notifications/read-all/", follow=True)

    assert Notification.objects.visible_to(ada).unread().count() == 0
    assert "Marked 2 notifications as read." in response.text


def test_marking_read_needs_a_post(client, ada):
    notification = bid_for(ada)
    client.force_login(ada)

    assert client.get(f"/notifications/{notification.pk}/read/").status_code == 405


def test_nobody_opens_or_marks_another_users_notification(client, ada, dayo):
    notification = bid_for(ada)
    client.force_login(dayo)

    opened = client.get(f"/n/{notification.short_code}/")
    marked = client.post(f"/notifications/{notification.pk}/read/")
    client.post("/notifications/read-all/")

    notification.refresh_from_db()
    assert (opened.status_code, marked.status_code) == (404, 404)
    assert notification.read_at is None


def test_a_nonsense_short_code_is_a_404(client, ada):
    client.force_login(ada)

    assert client.get("/n/not-base36!/").status_code == 404


def test_the_centre_makes_the_same_queries_for_one_and_fifty_notifications(client, ada):
    client.force_login(ada)
    bid_for(ada)
    client.get("/notifications/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get("/notifications/")
    for n in range(49):
        bid_for(ada, f"Question {n}")
    with CaptureQueriesContext(connection) as fifty:
        client.get("/notifications/")

    assert len(one) == len(fifty) <= 8


def test_the_settings_page_shows_the_defaults_for_my_role(client, ada):
    client.force_login(ada)

    page = client.get("/notifications/settings/").text

    assert "A tutor bids on my question" in page
    assert "A new question matches my subjects" not in page  # that one is for tutors
    assert re.search(r'name="work_delivered__sms"[^>]*checked', page)
    assert not re.search(r'name="new_message__sms"[^>]*checked', page)


def test_saving_settings_keeps_only_the_differences_and_quiet_hours(client, bola):
    client.force_login(bola)
    form = {
        f"{kind}__{channel}": "on"
        for kind in ["bid_accepted", "payment_held", "work_approved", "payout_sent", "payout_failed"]
        for channel in ["in_app", "email", "sms"]
    }
    form.update({"new_message__in_app": "on", "new_message__sms": "on", "quiet_start": "22:00", "quiet_end": "07:00"})

    response = client.post("/notifications/settings/", form, follow=True)

    assert "Your notification settings are saved." in response.text
    assert Preference.objects.filter(user=bola, kind="new_message", channel="sms", enabled=True).exists()
    assert Preference.objects.filter(user=bola, kind="new_review", channel="email", enabled=False).exists()
    assert not Preference.objects.filter(user=bola, kind="bid_accepted").exists()  # same as the defaults
    quiet = QuietHours.objects.get(user=bola)
    assert (quiet.start.hour, quiet.end.hour) == (22, 7)


def test_quiet_hours_need_a_start_and_an_end(client, bola):
    client.force_login(bola)

    response = client.post("/notifications/settings/", {"quiet_start": "22:00"})

    assert response.status_code == 400
    assert "Give both a start and an end for quiet hours" in response.text
    assert not QuietHours.objects.exists()


def test_after_stop_the_settings_page_offers_to_turn_texts_back_on(client, verified_bola):
    SmsOptOut.objects.create(phone=verified_bola.phone, source="twilio-inbound")
    client.force_login(verified_bola)

    page = client.get("/notifications/settings/").text
    client.post("/notifications/settings/sms-on/")

    assert "You replied STOP" in page
    assert not SmsOptOut.objects.exists()


@pytest.mark.parametrize("url", ["/notifications/", "/notifications/settings/", "/account/phone/"])
def test_the_new_pages_have_no_inline_script_or_style(client, ada, url):
    bid_for(ada)
    client.force_login(ada)

    response = client.get(url)

    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert response.status_code == 200
    assert all("src=" in attrs for attrs in scripts)
    assert "style=" not in response.text
    assert "csrfmiddlewaretoken" in response.text or url == "/notifications/"
