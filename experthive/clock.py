"""Each clock job runs once per interval, however many clocks are running.

Heroku may run two clock dynos for a moment during a deploy, and an operator may scale the clock to
two by mistake. So a clock never trusts its own memory: before a job it takes the job's lock (a
PostgreSQL advisory lock; on SQLite, one machine, a file lock), then reads the job's last run from
the database (`ClockRun`), and runs the job only if that run started a whole interval ago. The run
is recorded before the job starts and the lock is held until it ends, so a second clock either
finds the lock held (the job is running: it skips) or finds the run (not due yet: it skips).
A job that fails is recorded as failed and is due again one interval after it started.
"""

import fcntl
import hashlib
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from experthive.models import ClockRun

logger = logging.getLogger(__name__)

RAN, FAILED, NOT_DUE, BUSY = "ran", "failed", "not due", "busy"
# How soon a clock looks again at a job another clock is running.
BUSY_RETRY_SECONDS = 15.0
KEEP_RUNS = timedelta(days=30)


@dataclass(frozen=True)
class Turn:
    outcome: str  # RAN, FAILED, NOT_DUE or BUSY
    wait: float  # seconds until the job is worth looking at again


def run_if_due(name: str, interval: float, job: Callable[[], object]) -> Turn:
    """Run `job` if no clock started it in the last `interval` seconds and none is running it now."""
    with job_lock(name) as held:
        if not held:
            logger.info("Clock job %s skipped: another clock is running it.", name)
            return Turn(BUSY, min(interval, BUSY_RETRY_SECONDS))
        now = timezone.now()
        last = ClockRun.objects.filter(job=name).order_by("-started_at").values_list("started_at", flat=True).first()
        if last is not None and last > now - timedelta(seconds=interval):
            return Turn(NOT_DUE, (last + timedelta(seconds=interval) - now).total_seconds())
        run = ClockRun.objects.create(job=name, started_at=now, host=this_process())
        ClockRun.objects.filter(job=name, started_at__lt=now - KEEP_RUNS).delete()
        try:
            job()
        except Exception as exc:
            logger.exception("Clock job %s failed; it runs again at its next turn.", name)
            finish(run, ok=False, error=f"{type(exc).__name__}: {exc}")
            return Turn(FAILED, interval)
        finish(run, ok=True)
        logger.info("Clock job %s took %.1f s.", name, (timezone.now() - run.started_at).total_seconds())
        return Turn(RAN, interval)


def finish(run: ClockRun, *, ok: bool, error: str = "") -> None:
    run.finished_at, run.ok, run.error = timezone.now(), ok, error[:2000]
    run.save(update_fields=["finished_at", "ok", "error"])


def this_process() -> str:
    return f"{os.environ.get('DYNO') or socket.gethostname()} pid {os.getpid()}"[:200]


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yield whether this process now holds the job's lock (held until the block ends)."""
    lock = advisory_lock if connection.vendor == "postgresql" else file_lock
    with lock(name) as held:
        yield held


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """A session advisory lock, on a connection of its own: not a pooled one, which would keep the
    lock after being handed back, nor the jobs' own, which they may close. If the process dies, the
    connection closes and PostgreSQL releases the lock."""
    shared = connections[DEFAULT_DB_ALIAS]
    settings_dict = {**shared.settings_dict}
    settings_dict["OPTIONS"] = {k: v for k, v in settings_dict["OPTIONS"].items() if k != "pool"}
    own = type(shared)(settings_dict, alias=f"{DEFAULT_DB_ALIAS}-clock-lock")
    try:
        with own.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(name)])
            held = cursor.fetchone()[0]
        yield held
    finally:
        own.close()  # ends the session, and with it the lock


@contextmanager
def file_lock(name: str) -> Iterator[bool]:
    """On SQLite every clock runs on this machine: an exclusive lock on a file named after the
    database and the job. The kernel releases it if the process dies."""
    database = os.path.abspath(str(connection.settings_dict["NAME"]))
    digest = hashlib.sha256(f"{database}:{name}".encode()).hexdigest()[:24]
    with open(Path(tempfile.gettempdir()) / f"experthive-clock-{digest}.lock", "a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def lock_key(name: str) -> int:
    """A stable signed 64-bit number for the job (what pg_try_advisory_lock takes)."""
    digest = hashlib.blake2b(f"experthive.clock:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
