import pytest
from django.core.management import call_command

from demo.profiles import STUDENT_EMAIL, TUTOR_EMAIL
from engagements.models import Engagement
from questions.models import Question

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_stage_of_the_loop(capsys):
    call_command("seed_demo", students=4, tutors=6)
    call_command("seed_marketplace")

    engagement = Engagement.objects.get(student__email=STUDENT_EMAIL)
    assert (engagement.status, engagement.tutor.email) == ("awaiting_payment", TUTOR_EMAIL)
    assert Question.objects.filter(status=Question.Status.OPEN, bid_count__gt=0).count() >= 10
    assert "Created 12 demo questions" in capsys.readouterr().out


def test_running_it_again_adds_nothing(capsys):
    call_command("seed_demo", students=4, tutors=6)
    call_command("seed_marketplace")
    count = Question.objects.count()

    call_command("seed_marketplace")

    assert Question.objects.count() == count
    assert "already exist" in capsys.readouterr().out
