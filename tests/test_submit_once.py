"""A form sent twice does one thing: the question a double tap posts twice is kept once, and every
page carries the script that disables a submit button after the first press."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Question
from tests.test_questions import question_data

pytestmark = pytest.mark.django_db


def test_the_same_question_sent_twice_is_posted_once(client, ada, maths, sss3):
    client.force_login(ada)

    first = client.post(reverse("question_new"), question_data(maths, sss3))
    second = client.post(reverse("question_new"), question_data(maths, sss3), follow=True)

    question = Question.objects.get()
    assert first.url == second.redirect_chain[-1][0] == question.get_absolute_url()
    assert "you sent it twice, so we kept one" in second.text


def test_a_different_question_straight_after_is_posted(client, ada, maths, sss3):
    client.force_login(ada)

    client.post(reverse("question_new"), question_data(maths, sss3))
    client.post(reverse("question_new"), question_data(maths, sss3, title="Balance another redox equation"))

    assert Question.objects.count() == 2


def test_the_same_question_asked_again_later_is_posted(client, ada, maths, sss3):
    client.force_login(ada)
    client.post(reverse("question_new"), question_data(maths, sss3))
    Question.objects.update(created_at=timezone.now() - timedelta(minutes=2))

    client.post(reverse("question_new"), question_data(maths, sss3))

    assert Question.objects.count() == 2


def test_another_student_may_ask_the_same_question(client, ada, dayo, maths, sss3):
    for student in (ada, dayo):
        client.force_login(student)
        client.post(reverse("question_new"), question_data(maths, sss3))

    assert Question.objects.count() == 2


def test_every_page_loads_the_script_that_submits_once(client, ada):
    client.force_login(ada)

    page = client.get(reverse("question_new")).text

    assert '<script src="/static/js/site.js" defer></script>' in page
    assert '<button type="submit" class="button">Post my question</button>' in page
