"""The clock: the periodic jobs production needs, each on its own interval, in one process.

Without it nothing lapses unpaid acceptances, auto-approves (and pays for) deliveries the student
left alone, expires questions, re-checks stuck payments, resends stuck texts or refreshes the
recommendations. Run one (Procfile `clock:`; `bin/serve` starts one). The jobs are management
commands named in CLOCK_JOBS, so the clock imports no app. A job that fails is logged and recorded
and runs again at its next turn; the others are not held up.

Several clocks may run at once (a deploy overlaps the old clock dyno with the new one): each job
still runs once per interval, as experthive/clock.py explains. Every run is a `ClockRun` row.
"""

import logging
import signal
import threading
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from experthive.clock import BUSY_RETRY_SECONDS, FAILED, Turn, run_if_due

logger = logging.getLogger(__name__)

SHORTEST_WAIT = 0.2  # seconds: how often a clock may look again at its jobs


def due_jobs(next_checks: Mapping[str, float], now: float) -> list[str]:
    """The jobs worth looking at now, in the order CLOCK_JOBS lists them."""
    return [name for name, at in next_checks.items() if at <= now]


class Command(BaseCommand):
    help = "Run the periodic jobs (deadlines, reconciliation, stuck messages, recommendations) on their intervals."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the jobs that are due once, then exit.")

    def handle(self, *args, once: bool = False, **options):
        jobs: dict[str, int] = dict(settings.CLOCK_JOBS)
        if once:
            for name, interval in jobs.items():
                self.turn(name, interval)
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())  # finish the job in hand, then stop
        self.stdout.write("Clock: " + ", ".join(f"{name} every {seconds} s" for name, seconds in jobs.items()))
        self.run_until(stop, jobs)

    def run_until(self, stop: threading.Event, jobs: Mapping[str, float]) -> None:
        next_checks = dict.fromkeys(jobs, 0.0)  # at start, ask the database what is due
        while not stop.is_set():
            for name in due_jobs(next_checks, time.monotonic()):
                next_checks[name] = time.monotonic() + self.turn(name, jobs[name]).wait
                close_old_connections()  # a long-lived process: drop connections past their age
            stop.wait(timeout=max(SHORTEST_WAIT, min(next_checks.values()) - time.monotonic()))

    def turn(self, name: str, interval: float) -> Turn:
        try:
            return run_if_due(name, interval, lambda: call_command(name, stdout=self.stdout))
        except Exception:  # the database (its lock, its record) is away: the clock keeps going
            logger.exception("Clock job %s not started: its lock or its record could not be read.", name)
            close_old_connections()
            return Turn(FAILED, min(interval, BUSY_RETRY_SECONDS))
