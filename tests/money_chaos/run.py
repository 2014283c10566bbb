"""Playing the steps, the end of an epoch, the epochs themselves, and the report."""

import os
import random
import re
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection, transaction

from accounts.models import User
from catalog.models import Level, Subject
from payments import services
from payments.models import Payout, Refund, WebhookEvent
from payments.sandbox.models import SandboxFault, SandboxWebhook
from tests.money_chaos.actions import Action, deliver_held_webhooks, pick_action
from tests.money_chaos.invariants import broken_invariants
from tests.money_chaos.state import (
    Crash,
    NothingToDo,
    Run,
    after_commit,
    crashed_tasks_recorded,
    forget_ended,
    start_run,
)

DEFAULT_STEPS, CI_STEPS = 2_000, 10_000
EPOCH_STEPS = 1_000  # each epoch starts from nothing and ends with the invariants checked
RECONCILE_ROUNDS = 6
DRAWS = 10


def steps_wanted() -> int:
    """CHAOS_STEPS, else the CI length under CI=1 on PostgreSQL (where row locks are real), else the
    local one (CI's SQLite run included: the same moves, a shorter run)."""
    if os.environ.get("CHAOS_STEPS"):
        return int(os.environ["CHAOS_STEPS"])
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
    return CI_STEPS if ci and connection.vendor == "postgresql" else DEFAULT_STEPS


def epoch_steps() -> int:
    return int(os.environ.get("CHAOS_EPOCH") or EPOCH_STEPS)


def seed_wanted() -> int:
    return int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(1, 1_000_000))


def play(run: Run, steps: int) -> None:
    """Each step is one action that found something to act on (up to DRAWS tries to find one)."""
    for run.step in range(1, steps + 1):
        run.statuses = None
        for _ in range(DRAWS):
            name, action = pick_action(run.rng)
            said = attempt(run, name, action)
            if said is not None:
                break
            run.histogram[f"({name}: nothing to do)"] += 1
        run.log.append(f"{run.step:6d} {name}: {said}")
        if run.step % 50 == 0:
            forget_ended(run)
    run.played = steps


def attempt(run: Run, name: str, action: Action) -> str | None:
    """Do the action and what it queued for after its commit; None when it had nothing to do."""
    run.doing = ""
    try:
        with after_commit():
            said = action(run, run.rng)
    except NothingToDo:
        return None
    except Exception as exc:
        run.crashes.append(Crash(run.step, name, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        if isinstance(exc, DatabaseError):
            raise EpochAborted from exc  # on PostgreSQL the transaction can't be used after it
        said = f"{run.doing} CRASHED {type(exc).__name__}: {exc}".strip()
    run.histogram[name] += 1
    return said


class EpochAborted(Exception):
    """A database error escaped a service: the epoch's data is rolled back and the run goes on."""


# --- The end: a healthy gateway, every held webhook delivered, reconciliation until it settles -----


def finish(run: Run) -> list[str]:
    """Returns what each reconciliation round did."""
    SandboxFault.objects.update(remaining=0)
    rounds = []
    for number in range(1, RECONCILE_ROUNDS + 1):
        run.step += 1
        attempt(run, "final delivery of held webhooks", deliver_held_webhooks)
        said = attempt(run, "final reconcile", final_reconcile)
        rounds.append(f"round {number}: {said}")
        if not still_pending():
            break
    return rounds


def final_reconcile(run: Run, rng: random.Random) -> str:
    """Staff's "re-check everything" after the clock has moved past every request in flight, then the
    comparison with the gateways' own lists."""
    said = services.reconcile(now=run.now() + timedelta(hours=2), everything=True).lines()
    with after_commit():
        started = services.start_comparison()
    compared = services.compare_with_gateways(run_id=started.pk)
    said.append(f"comparison {compared.status}: {compared.records_seen} records, {compared.differences} differences")
    return "; ".join(said)[:300]


def still_pending() -> bool:
    return (
        Refund.objects.filter(status=Refund.Status.PENDING).exists()
        or Payout.objects.filter(status=Payout.Status.PENDING).exists()
        or WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).exists()
        or SandboxWebhook.objects.filter(delayed=True, sent_at=None).exists()
    )


# --- Epochs: the run in independent slices, each checked, then rolled back ---------------------------


@dataclass
class Epoch:
    run: Run
    rounds: list[str]
    problems: list[str]
    seconds: float

    @property
    def failed(self) -> bool:
        return bool(self.problems or self.run.crashes)


def epoch_plan(seed: int, steps: int, size: int) -> list[tuple[int, int]]:
    """(seed, steps) of each epoch: epoch i plays seed + i, so `CHAOS_SEED=seed+i CHAOS_STEPS=size`
    replays that epoch alone."""
    return [(seed + i, min(size, steps - start)) for i, start in enumerate(range(0, steps, size))]


def play_epoch(*, seed: int, steps: int, staff: User, subject: Subject, level: Level) -> Epoch:
    """One complete run from an empty marketplace and gateway to the invariants, then rolled back, so
    the tables (and each step's cost) stay small however many steps the whole run has."""
    started = time.monotonic()
    savepoint = transaction.savepoint_create()
    run = start_run(seed=seed, staff=staff, subject=subject, level=level)
    try:
        with crashed_tasks_recorded(run):
            play(run, steps)
            rounds = finish(run)
        problems = broken_invariants()
    except EpochAborted:
        rounds, problems = [], [f"epoch aborted at step {run.step} by a database error (see crashes)"]
    finally:
        transaction.savepoint_rollback(savepoint)
    return Epoch(run=run, rounds=rounds, problems=problems, seconds=time.monotonic() - started)


# --- The report ---------------------------------------------------------------------------------------


def summary(epochs: list[Epoch], *, seed: int, seconds: float) -> str:
    histogram: Counter = Counter()
    for epoch in epochs:
        histogram.update(epoch.run.histogram)
    steps = sum(epoch.run.played for epoch in epochs)
    failed = sum(epoch.failed for epoch in epochs)
    lines = [
        f"money chaos: seed {seed}, {steps} steps in {len(epochs)} epochs, {seconds:.1f} s;"
        f" {failed} epoch(s) failed. Actions (and draws that found nothing to do):"
    ]
    lines += [f"  {count:6d} {name}" for name, count in sorted(histogram.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append("Seconds per epoch: " + " ".join(f"{epoch.seconds:.1f}" for epoch in epochs))
    return "\n".join(lines)


def failure_report(epochs: list[Epoch], *, seed: int) -> str:
    failed = [epoch for epoch in epochs if epoch.failed]
    steps = sum(epoch.run.played for epoch in epochs)
    lines = [f"Money chaos failed in {len(failed)} of {len(epochs)} epochs (CHAOS_SEED={seed} CHAOS_STEPS={steps})."]
    for epoch in failed[1:]:
        kinds = sorted({crash.kind for crash in epoch.run.crashes}) + sorted({p[:100] for p in epoch.problems})
        lines.append(f"- epoch {_replay(epoch)}: {len(epoch.run.crashes)} crashes, {len(epoch.problems)} broken")
        lines += [f"    {kind}" for kind in kinds[:8]]
    return "\n".join([*lines, "", *epoch_report(failed[0])])


def epoch_report(epoch: Epoch) -> list[str]:
    run = epoch.run
    first: dict[str, Crash] = {}
    kinds = Counter(crash.kind for crash in run.crashes)
    for crash in run.crashes:
        first.setdefault(crash.kind, crash)
    lines = [f"First failed epoch, replay it alone with {_replay(epoch)}:"]
    if kinds:
        lines.append(f"Crashes ({len(run.crashes)}):")
        for kind, count in kinds.most_common():
            lines.append(f"  {count}x {kind} (first at step {first[kind].step})")
            lines += [f"      {frame}" for frame in _frames(first[kind].trace)]
    if epoch.problems:
        lines.append(f"Broken invariants ({len(epoch.problems)}):")
        lines += [f"  {problem}" for problem in epoch.problems[:30]]
        if len(epoch.problems) > 30:
            lines.append(f"  ... and {len(epoch.problems) - 30} more")
    lines.append("Final reconciliation: " + " | ".join(epoch.rounds))
    lines.append(f"Last {len(run.log)} steps:")
    lines += [f"  {entry}" for entry in run.log]
    return lines


def _frames(trace: str) -> list[str]:
    """The project's own frames of a traceback, as `file:line function`, and the error."""
    found = re.findall(r'File "[^"]*?/((?:payments|engagements|web|core)/[^"]+)", line (\d+), in (\w+)', trace)
    return [" > ".join(f"{path}:{line} {function}" for path, line, function in found)]


def _replay(epoch: Epoch) -> str:
    return f"CHAOS_SEED={epoch.run.seed} CHAOS_STEPS={epoch.run.played}"
