"""Did each clock job run once per interval, however many clocks were started?

The answer comes from the clock's own records of its runs in the database (one row per run); the
clocks' log lines are shown beside it so a reader sees what each clock process did."""

import json
import re
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

JOBS = {
    "DEADLINES": "process_deadlines",
    "RECONCILE": "reconcile_payments",
    "COMPARE": "compare_payments",
    "NOTIFICATIONS": "deliver_notifications",
    "RECOMMENDATIONS": "refresh_recommendations",
}

RECORDS_PROBE = """
import json
from django.apps import apps
model = next((m for m in apps.get_models() if m.__name__ in ("ClockRun", "JobRun")), None)
if model is None:
    print(json.dumps(None))
else:
    fields = {f.name for f in model._meta.fields}
    job = "job" if "job" in fields else "name"
    started = next(f for f in ("started_at", "ran_at", "created_at") if f in fields)
    host = "host" if "host" in fields else job
    rows = model.objects.order_by(started).values_list(job, started, host)
    print(json.dumps([[name, at.timestamp(), by] for name, at, by in rows]))
"""


def check(rehearsal: Any, seconds: dict[str, int]) -> None:
    report = rehearsal.report
    longest = max(seconds.values())
    wait = rehearsal.clocks_started + 2 * longest + 5 - time.monotonic()
    if wait > 0:
        report.note(f"waiting {wait:.0f} s so that every job has had at least two intervals")
        time.sleep(wait)
    elapsed = time.monotonic() - rehearsal.clocks_started
    logged = runs_in_log(rehearsal.processes.log("honcho"))
    records = rehearsal.probe(RECORDS_PROBE)
    runs = json.loads(records.stdout or "null") if records.returncode == 0 else None
    for key, job in JOBS.items():
        interval = seconds[key]
        by_clock = ", ".join(f"{name} ran it {logged.get((name, job), 0)}x" for name in ("clock.1", "clock.2"))
        if runs is None:
            report.todo(
                f"{job} (every {interval} s): the clock keeps no record of its runs yet "
                f"(logs: {by_clock} in {elapsed:.0f} s)"
            )
            continue
        starts = [at for name, at, _ in runs if name == job]
        by_clock = ", ".join(
            f"{who} ran {n}" for who, n in runners([by for name, _, by in runs if name == job]).items()
        )
        if not starts:
            report.fail(f"{job} (every {interval} s): no run recorded in {elapsed:.0f} s ({by_clock})")
            continue
        verdict, line = judge(starts, interval, time.time())
        (report.ok if verdict else report.fail)(f"{job} (every {interval} s): {line} ({by_clock})")


GRACE_SECONDS = 5.0  # a due turn may wait for the clock's next look and the jobs before it


def judge(starts: list[float], interval: float, now: float) -> tuple[bool, str]:
    """Once per interval: never two runs closer than the interval, and none missed since the first
    (a turn that fell due in the last few seconds may not have started yet)."""
    due = int((now - starts[0]) // interval) + 1
    surely_due = int(max(0.0, now - starts[0] - GRACE_SECONDS) // interval) + 1
    too_close = sum(1 for a, b in pairwise(starts) if b - a < interval * 0.9)
    line = f"{len(starts)} run(s) recorded, {due} turn(s) due since the first"
    if too_close:
        return False, f"{line}; {too_close} run(s) sooner than the interval after the one before"
    if not surely_due <= len(starts) <= due:
        return False, f"{line}; runs were missed"
    return True, line


def runners(hosts: list[str]) -> dict[str, int]:
    """How many runs each clock process made, named as honcho named it (clock.1, clock.2)."""
    counts: dict[str, int] = {}
    for host in hosts:
        counts[process_name(host)] = counts.get(process_name(host), 0) + 1
    return dict(sorted(counts.items()))


def process_name(host: str) -> str:
    """The record says "<host> pid N"; honcho put the process's name in its environment."""
    found = re.search(r"pid (\d+)$", host)
    try:
        environ = Path(f"/proc/{found.group(1)}/environ").read_bytes() if found else b""
    except OSError:
        environ = b""
    for item in environ.split(b"\0"):
        if item.startswith(b"HONCHO_PROCESS_NAME="):
            return item.split(b"=", 1)[1].decode()
    return host


def runs_in_log(log: str) -> dict[tuple[str, str], int]:
    """How often each clock process logged finishing each job ("Clock job NAME took ...")."""
    counts: dict[tuple[str, str], int] = {}
    for process, job in re.findall(r"^\S+ (clock\.\d+)\s+\| .*Clock job (\w+) took", log, re.M):
        counts[process, job] = counts.get((process, job), 0) + 1
    return counts
