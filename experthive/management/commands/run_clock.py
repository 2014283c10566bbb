"""The clock: the periodic jobs production needs, each on its own interval, in one process.

Without it nothing lapses unpaid acceptances, auto-approves (and pays for) deliveries the student
left alone, expires questions, re-checks stuck payments, resends stuck texts or refreshes the
recommendations. Run one (Procfile `clock:`; `bin/serve` starts one). The jobs are management
commands named in CLOCK_JOBS, so the clock imports no app. A job that fails is logged and runs
again at its next turn; the others are not held up.
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

logger = logging.getLogger(__name__)


def due_jobs(next_runs: Mapping[str, float], now: float) -> list[str]:
    """The jobs whose time has come, in the order CLOCK_JOBS lists them."""
    return [name for name, at in next_runs.items() if at <= now]


class Command(BaseCommand):
    help = "Run the periodic jobs (deadlines, reconciliation, stuck messages, recommendations) on their intervals."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")

    def handle(self, *args, once: bool = False, **options):
        jobs: dict[str, int] = dict(settings.CLOCK_JOBS)
        if once:
            for name in jobs:
                self.run_job(name)
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())  # finish the job in hand, then stop
        self.stdout.write("Clock: " + ", ".join(f"{name} every {seconds} s" for name, seconds in jobs.items()))
        self.run_until(stop, jobs)

    def run_until(self, stop: threading.Event, jobs: Mapping[str, int]) -> None:
        next_runs = dict.fromkeys(jobs, 0.0)  # everything once at start
        while not stop.is_set():
            for name in due_jobs(next_runs, time.monotonic()):
                self.run_job(name)
                next_runs[name] = time.monotonic() + jobs[name]
                close_old_connections()  # a long-lived process: drop connections past their age
            stop.wait(timeout=max(1.0, min(next_runs.values()) - time.monotonic()))

    def run_job(self, name: str) -> None:
        started = time.monotonic()
        try:
            call_command(name, stdout=self.stdout)
        except Exception:
            logger.exception("Clock job %s failed; it runs again at its next turn.", name)
        else:
            logger.info("Clock job %s took %.1f s.", name, time.monotonic() - started)
