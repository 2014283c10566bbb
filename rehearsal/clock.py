"""Did each clock job run once per interval, however many clocks were started?

The answer comes from the clock's own records of its runs in the database (one row per run); the
clocks' log lines are shown beside it so a reader sees what each clock process did."""

import json
import re
import time
from typing import Any

JOBS = {
    "DEADLINES": "process_deadlines",
    "RECONCILE": "reconcile_payments",
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
    rows = model.objects.order_by(started).values_list(job, started)
    print(json.dumps([[name, at.timestamp()] for name, at in rows]))
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
        starts = [at for name, at in runs if name == job]
        expected = int(elapsed // interval) + 1
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        too_close = [gap for gap in gaps if gap < interval * 0.8]
        line = f"{job} (every {interval} s): {len(starts)} run(s) recorded in {elapsed:.0f} s, expected {expected}"
        if starts and not too_close and abs(len(starts) - expected) <= 1:
            report.ok(f"{line} ({by_clock})")
        else:
            close = f"; {len(too_close)} run(s) closer than the interval" if too_close else ""
            report.fail(f"{line}{close} ({by_clock})")


def runs_in_log(log: str) -> dict[tuple[str, str], int]:
    """How often each clock process logged finishing each job ("Clock job NAME took ...")."""
    counts: dict[tuple[str, str], int] = {}
    for process, job in re.findall(r"^\S+ (clock\.\d+)\s+\| .*Clock job (\w+) took", log, re.M):
        counts[process, job] = counts.get((process, job), 0) + 1
    return counts
