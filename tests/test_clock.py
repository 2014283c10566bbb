"""The clock runs the periodic jobs production needs; without it nothing the calendar decides happens."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement
from experthive.management.commands.run_clock import Command, due_jobs
from questions.models import Question

pytestmark = pytest.mark.django_db


def test_one_turn_of_the_clock_pays_the_tutor_for_work_the_student_left_alone(client, bola, delivered, settings):
    Engagement.objects.filter(pk=delivered.pk).update(auto_approve_at=timezone.now() - timedelta(minutes=1))

    call_command("run_clock", "--once")

    delivered.refresh_from_db()
    assert delivered.status == Engagement.Status.COMPLETED
    client.force_login(bola)
    earnings = client.get(reverse("earnings")).text
    assert "Available</dt><dd>₦3,400" in earnings


def test_one_turn_of_the_clock_expires_an_overdue_question(question):
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() - timedelta(minutes=1))

    call_command("run_clock", "--once")

    question.refresh_from_db()
    assert question.status == Question.Status.EXPIRED


def test_a_failing_job_is_logged_and_the_others_still_run(question, settings, caplog):
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    settings.CLOCK_JOBS = {"no_such_command": 60, "process_deadlines": 60}

    call_command("run_clock", "--once")

    question.refresh_from_db()
    assert question.status == Question.Status.EXPIRED
    assert "Clock job no_such_command failed" in caplog.text


def test_a_job_is_due_once_its_time_has_come():
    next_runs = {"process_deadlines": 100.0, "reconcile_payments": 160.0, "deliver_notifications": 90.0}

    assert due_jobs(next_runs, now=99.0) == ["deliver_notifications"]
    assert due_jobs(next_runs, now=100.0) == ["process_deadlines", "deliver_notifications"]
    assert due_jobs(next_runs, now=50.0) == []


@pytest.mark.django_db(transaction=True)
def test_the_running_clock_does_its_rounds_until_told_to_stop(question):
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    stop = threading.Event()
    clock = threading.Thread(target=Command(stdout=io.StringIO()).run_until, args=(stop, {"process_deadlines": 3600}))

    clock.start()
    expired = wait_for(lambda: Question.objects.get(pk=question.pk).status == Question.Status.EXPIRED)
    stop.set()
    clock.join(timeout=10)

    assert expired
    assert not clock.is_alive()


def wait_for(check, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False
