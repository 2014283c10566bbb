import html
import re

import pytest
from django.urls import reverse

from bidding import services as bid_services
from catalog.models import Level
from engagements import services as engagement_services
from questions import services
from questions.feed import encode_cursor
from questions.models import Question
from tests.conftest import in_hours

pytestmark = pytest.mark.django_db


def ask(student, subject, level, title, *, budget=500_000, hours=48, body="Please help."):
    return services.post_question(
        student=student,
        title=title,
        body=body,
        subject=subject,
        level=level,
        deadline=in_hours(hours),
        budget=budget,
        currency="NGN",
    )


def titles(response) -> list[str]:
    """The question titles on the page, in order: what the tutor reads."""
    assert response.status_code == 200
    return [html.unescape(title) for title in CARD_TITLE.findall(response.content.decode())]


def next_cursor(response) -> str:
    """Where the page's "More questions" link continues; '' on the last page."""
    match = re.search(r'after=([^"&]+)">More questions</a>', response.content.decode())
    return match[1] if match else ""


CARD_TITLE = re.compile(r'<h2 class="card-title"><a href="[^"]*">([^<]*)</a></h2>')


def test_tutors_see_open_questions_newest_first(client, bola, ada, maths, sss3):
    ask(ada, maths, sss3, "First")
    ask(ada, maths, sss3, "Second")
    client.force_login(bola)

    assert titles(client.get(reverse("question_feed"))) == ["Second", "First"]


def test_the_feed_filters_by_subject_level_budget_and_due_time(client, bola, ada, maths, physics, sss3):
    jss1 = Level.objects.get(slug="jss-1")
    ask(ada, maths, sss3, "Maths SSS3 cheap soon", budget=200_000, hours=5)
    ask(ada, physics, sss3, "Physics SSS3")
    ask(ada, maths, jss1, "Maths JSS1")
    ask(ada, maths, sss3, "Maths SSS3 dear later", budget=2_000_000, hours=100)
    client.force_login(bola)
    url = reverse("question_feed")

    assert titles(client.get(url, {"subject": physics.pk})) == ["Physics SSS3"]
    assert titles(client.get(url, {"level": jss1.pk})) == ["Maths JSS1"]
    assert titles(client.get(url, {"budget_min": "10000"})) == ["Maths SSS3 dear later"]
    assert titles(client.get(url, {"budget_max": "2500", "subject": maths.pk})) == ["Maths SSS3 cheap soon"]
    assert titles(client.get(url, {"due_within": "6"})) == ["Maths SSS3 cheap soon"]


def test_the_feed_searches_titles_and_bodies(client, bola, ada, maths, sss3):
    ask(ada, maths, sss3, "Integration by parts", body="The integral of x times sin x")
    ask(ada, maths, sss3, "Simultaneous equations", body="Two unknowns, elimination method")
    client.force_login(bola)

    assert titles(client.get(reverse("question_feed"), {"q": "integral"})) == ["Integration by parts"]
    assert titles(client.get(reverse("question_feed"), {"q": "elimination unknowns"})) == ["Simultaneous equations"]


def test_closed_and_overdue_questions_leave_the_feed(client, bola, ada, maths, sss3):
    cancelled = ask(ada, maths, sss3, "Cancelled")
    services.cancel_question(question=cancelled, by=ada)
    overdue = ask(ada, maths, sss3, "Overdue")
    Question.objects.filter(pk=overdue.pk).update(deadline=in_hours(-1))
    ask(ada, maths, sss3, "Still open")
    client.force_login(bola)

    assert titles(client.get(reverse("question_feed"))) == ["Still open"]


def test_pages_follow_each_other_by_cursor_without_gaps_or_repeats(client, bola, ada, maths, sss3):
    for n in range(45):
        ask(ada, maths, sss3, f"Question {n:02d}")
    client.force_login(bola)

    seen, cursor = [], ""
    while True:
        response = client.get(reverse("question_feed"), {"after": cursor} if cursor else {})
        seen += titles(response)
        cursor = next_cursor(response)
        if not cursor:
            break

    assert seen == [f"Question {n:02d}" for n in reversed(range(45))]


def test_a_damaged_cursor_shows_the_first_page(client, bola, ada, maths, sss3):
    ask(ada, maths, sss3, "Only one")
    client.force_login(bola)

    response = client.get(reverse("question_feed"), {"after": "not-a-cursor!!"})

    assert response.status_code == 200
    assert titles(response) == ["Only one"]


def test_the_more_link_carries_the_filters(client, bola, ada, maths, sss3):
    for n in range(25):
        ask(ada, maths, sss3, f"Q{n}")
    client.force_login(bola)

    response = client.get(reverse("question_feed"), {"subject": maths.pk})

    assert f"subject={maths.pk}&amp;after=" in response.text


def test_the_feed_is_for_tutors(client, ada):
    client.force_login(ada)

    assert client.get(reverse("question_feed")).status_code == 403


def test_the_feed_makes_the_same_few_queries_for_1_and_many_questions(
    client, bola, ada, maths, sss3, django_assert_max_num_queries, django_assert_num_queries
):
    ask(ada, maths, sss3, "One")
    client.force_login(bola)
    client.get(reverse("question_feed"))
    with django_assert_max_num_queries(8) as one:
        client.get(reverse("question_feed"), {"q": "One"})
    for n in range(30):
        ask(ada, maths, sss3, f"One more {n}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("question_feed"), {"q": "One"})
    assert len(titles(response)) == 20


def test_a_cursor_is_stable_for_a_question(ada, maths, sss3):
    question = ask(ada, maths, sss3, "Stable")

    assert encode_cursor(question) == encode_cursor(Question.objects.get(pk=question.pk))


# The list part of the page is cached and shared by every tutor; no change may be hidden by it.


def test_a_question_posted_after_a_feed_view_shows_at_once(client, bola, ada, maths, sss3):
    ask(ada, maths, sss3, "Earlier")
    client.force_login(bola)
    assert titles(client.get(reverse("question_feed"))) == ["Earlier"]

    ask(ada, maths, sss3, "Just posted")

    assert titles(client.get(reverse("question_feed"))) == ["Just posted", "Earlier"]


def test_a_bid_shows_in_the_cached_feed_at_once(client, bola, chen, ada, maths, sss3):
    question = ask(ada, maths, sss3, "Bid on me")
    client.force_login(chen)
    assert "0 bids" in client.get(reverse("question_feed")).text

    bid_services.place_bid(question=question, tutor=bola, amount=400_000, message="I can help.", delivery_hours=24)

    assert "1 bid · from ₦4,000" in client.get(reverse("question_feed")).text


def test_taken_and_cancelled_questions_leave_the_cached_feed_at_once(client, bola, chen, ada, maths, sss3):
    taken = ask(ada, maths, sss3, "Taken")
    cancelled = ask(ada, maths, sss3, "Cancelled")
    ask(ada, maths, sss3, "Still open")
    bid = bid_services.place_bid(question=taken, tutor=bola, amount=400_000, message="Mine.", delivery_hours=24)
    client.force_login(chen)
    assert titles(client.get(reverse("question_feed"))) == ["Still open", "Cancelled", "Taken"]

    engagement_services.accept_bid(bid=bid, by=ada)
    services.cancel_question(question=cancelled, by=ada)

    assert titles(client.get(reverse("question_feed"))) == ["Still open"]


def test_a_second_view_of_the_same_filters_reads_no_questions_from_the_database(
    client, bola, ada, maths, sss3, django_assert_max_num_queries
):
    ask(ada, maths, sss3, "Cached")
    client.force_login(bola)
    first = client.get(reverse("question_feed"), {"subject": maths.pk})

    with django_assert_max_num_queries(3) as second:  # the session, the user, the badges
        again = client.get(reverse("question_feed"), {"subject": maths.pk})

    assert titles(again) == titles(first) == ["Cached"]
    assert not [query for query in second.captured_queries if "questions_question" in query["sql"]]


def test_the_shared_feed_page_carries_nothing_of_the_tutor_who_filled_it(client, bola, chen, ada, maths, sss3):
    ask(ada, maths, sss3, "Shared")
    client.force_login(bola)
    client.get(reverse("question_feed"))

    client.force_login(chen)
    page = client.get(reverse("question_feed")).text

    assert reverse("tutor_profile", args=[chen.pk]) in page
    assert reverse("tutor_profile", args=[bola.pk]) not in page


def test_with_the_cache_off_every_view_reads_the_database(
    client, bola, ada, maths, sss3, settings, django_assert_max_num_queries
):
    settings.FEED_CACHE_SECONDS = 0
    question = ask(ada, maths, sss3, "Fresh")
    client.force_login(bola)
    client.get(reverse("question_feed"))
    Question.objects.filter(pk=question.pk).update(title="Changed behind the services' back")

    assert titles(client.get(reverse("question_feed"))) == ["Changed behind the services' back"]


def test_the_feed_still_works_while_redis_is_away(client, bola, ada, maths, sss3, settings, caplog):
    """The cache and the sessions ride out a Redis restart: sessions come from the database and
    the list is built afresh, with a warning in the log."""
    settings.CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    ask(ada, maths, sss3, "Asked while Redis is down")
    client.force_login(bola)

    page = client.get(reverse("question_feed"))

    assert titles(page) == ["Asked while Redis is down"]
    assert "Log out" in page.text
    assert "Redis is unavailable" in caplog.text


def test_a_bad_filter_is_pointed_out_and_the_good_ones_still_apply(client, bola, ada, maths, sss3):
    ask(ada, maths, sss3, "Quadratic equations", body="Solve by factorising.")
    ask(ada, maths, sss3, "Ohm's law")
    client.force_login(bola)

    page = client.get(reverse("question_feed"), {"q": "quadratic", "budget_min": "abc"})

    assert "Enter a number." in page.text
    assert titles(page) == ["Quadratic equations"]
