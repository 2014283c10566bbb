"""The clock runs the periodic jobs production needs; without it nothing the calendar decides happens.
However many clocks run (a deploy overlaps two; an operator scales to two), each job runs once per
interval: the database records every run, and a lock keeps a second clock off a job in progress."""

import io
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement
from experthive.clock import BUSY, FAILED, NOT_DUE, RAN, run_if_due
from experthive.management.commands.run_clock import Command, due_jobs
from experthive.models import ClockRun
from questions.models import Question
from tests.threads import at_once

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
    failed = ClockRun.objects.get(job="no_such_command")
    assert failed.ok is False
    assert "Unknown command" in failed.error
    assert ClockRun.objects.get(job="process_deadlines").ok is True


def test_a_job_is_looked_at_once_its_time_has_come():
    next_checks = {"process_deadlines": 100.0, "reconcile_payments": 160.0, "deliver_notifications": 90.0}

    assert due_jobs(next_checks, now=99.0) == ["deliver_notifications"]
    assert due_jobs(next_checks, now=100.0) == ["process_deadlines", "deliver_notifications"]
    assert due_jobs(next_checks, now=50.0) == []


def test_a_job_that_ran_is_not_due_again_until_its_interval_has_passed():
    ran = []

    first = run_if_due("tidy_up", 600, lambda: ran.append(1))
    second = run_if_due("tidy_up", 600, lambda: ran.append(2))

    assert (first.outcome, second.outcome) == (RAN, NOT_DUE)
    assert 599 < second.wait <= 600  # the clock sleeps until then
    assert ran == [1]
    ClockRun.objects.update(started_at=timezone.now() - timedelta(seconds=601))
    assert run_if_due("tidy_up", 600, lambda: ran.append(3)).outcome == RAN
    assert ran == [1, 3]
    assert ClockRun.objects.filter(job="tidy_up", ok=True).count() == 2


def test_a_failing_job_is_recorded_and_retried_at_the_next_interval():
    def broken():
        raise ConnectionError("gateway unreachable")

    assert run_if_due("reconcile", 300, broken).outcome == FAILED
    assert run_if_due("reconcile", 300, broken).outcome == NOT_DUE  # not hammered every tick

    run = ClockRun.objects.get(job="reconcile")
    assert (run.ok, run.error) == (False, "ConnectionError: gateway unreachable")
    assert run.finished_at is not None
    ClockRun.objects.update(started_at=timezone.now() - timedelta(seconds=301))
    assert run_if_due("reconcile", 300, lambda: None).outcome == RAN
    assert list(ClockRun.objects.filter(job="reconcile").values_list("ok", flat=True)) == [True, False]


def test_runs_older_than_thirty_days_are_let_go():
    ClockRun.objects.create(
        job="tidy_up", started_at=timezone.now() - timedelta(days=31), host="clock.1 pid 4", ok=True
    )

    run_if_due("tidy_up", 60, lambda: None)

    assert ClockRun.objects.filter(job="tidy_up").count() == 1


def test_a_clock_that_cannot_reach_the_database_logs_it_and_keeps_going(monkeypatch, caplog):
    def unreachable(*args):
        raise OperationalError("connection refused")

    monkeypatch.setattr("experthive.management.commands.run_clock.run_if_due", unreachable)

    turn = Command(stdout=io.StringIO()).turn("process_deadlines", 300)

    assert (turn.outcome, turn.wait) == (FAILED, 15)
    assert "Clock job process_deadlines not started" in caplog.text


def test_a_run_left_unfinished_by_a_dead_clock_does_not_stop_the_job_for_ever():
    ClockRun.objects.create(job="tidy_up", started_at=timezone.now() - timedelta(hours=2), host="clock.1 pid 4")

    assert run_if_due("tidy_up", 3600, lambda: None).outcome == RAN


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


# --- Several clocks at once: real threads with their own database connections -------------------


@pytest.mark.django_db(transaction=True)
def test_two_clocks_ticking_at_once_run_each_due_job_exactly_once():
    ran: list[str] = []

    def job(name):
        def run():
            ran.append(name)
            time.sleep(0.2)  # long enough for the other clock to arrive while it runs

        return run

    def clock():
        return [run_if_due(name, 3600, job(name)).outcome for name in ("deadlines", "reconcile", "notifications")]

    first, second = at_once([clock, clock])

    assert sorted(ran) == ["deadlines", "notifications", "reconcile"]
    assert ClockRun.objects.filter(ok=True).count() == 3
    for mine, theirs in zip(first, second, strict=True):
        assert sorted([mine, theirs])[1] == RAN  # one clock ran it...
        assert sorted([mine, theirs])[0] in (BUSY, NOT_DUE)  # ...the other found it running or done


@pytest.mark.django_db(transaction=True)
def test_two_running_clocks_share_the_jobs_and_record_each_run_once(question):
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    jobs = {"process_deadlines": 3600, "deliver_notifications": 3600}
    stop = threading.Event()

    def clock():
        Command(stdout=io.StringIO()).run_until(stop, jobs)

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    wait_for(lambda: ClockRun.objects.filter(ok__isnull=False).count() == 2)
    time.sleep(0.5)  # a second run, if there were one, would start now
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(ClockRun.objects.values_list("job", "ok")) == [
        ("deliver_notifications", True),
        ("process_deadlines", True),
    ]
    assert Question.objects.get(pk=question.pk).status == Question.Status.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_an_overrunning_job_is_not_started_again_by_the_other_clock():
    started, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow():
        runs.append(1)
        started.set()
        release.wait(timeout=20)

    first = threading.Thread(target=lambda: (run_if_due("recommendations", 0.1, slow), connection.close()))
    first.start()
    assert started.wait(timeout=10)
    time.sleep(0.3)  # now past its interval: by the record alone it would be due again

    second = run_if_due("recommendations", 0.1, slow)
    release.set()
    first.join(timeout=10)

    assert second.outcome == BUSY
    assert runs == [1]
    assert ClockRun.objects.get().ok is True


@pytest.mark.django_db(transaction=True)
def test_two_clock_processes_started_together_run_each_job_once():
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env = {"DATABASE_URL": f"{url}/{db['NAME']}", "DATABASE_POOL": "0"}
    else:
        env = {"SQLITE_PATH": str(db["NAME"])}
    env = {**os.environ, **env, "TASKS_BACKEND": "immediate", "SMS_BACKEND": "locmem", "DEBUG": "1"}
    command = [sys.executable, str(django_settings.BASE_DIR / "manage.py"), "run_clock", "--once"]

    clocks = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603 (our manage.py)
        for _ in "ab"
    ]
    errors = [clock.communicate(timeout=120)[1] for clock in clocks]

    assert [clock.returncode for clock in clocks] == [0, 0], errors
    runs = sorted(ClockRun.objects.values_list("job", flat=True))
    assert runs == sorted(django_settings.CLOCK_JOBS)
    assert all(run.ok for run in ClockRun.objects.all())
