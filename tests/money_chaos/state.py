"""The run's state and its plumbing: who acts, what the run made, after-commit work, crashes, picks."""

import random
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_finished
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from catalog.models import Level, Subject
from core.money import currency_rules, offered_currencies
from engagements.models import Engagement
from payments.models import Payment
from payments.sandbox.models import SandboxCharge
from payments.sandbox.views import OPEN

LOG_TAIL = 30
ENDED = (Engagement.Status.COMPLETED, Engagement.Status.CANCELLED)


class NothingToDo(Exception):
    """The run has no engagement, payment or balance this action applies to right now."""


# --- The run's state ---------------------------------------------------------------------------


@dataclass
class Crash:
    step: int
    where: str
    error: str
    trace: str

    @property
    def kind(self) -> str:
        return f"{self.where}: {self.error}"


@dataclass
class Run:
    """What the run knows besides the database: its people, its engagements and checkouts (by the
    order they were made, so choices never depend on database ids), and what happened."""

    rng: random.Random
    seed: int
    students: list[User]
    tutors: list[User]
    staff: User
    subject: Subject
    level: Level
    gateway_of: dict[str, str]  # currency -> the gateway the currency table routes it to
    active: list[int] = field(default_factory=list)  # engagement ids, oldest first
    names: dict[int, str] = field(default_factory=dict)  # engagement id -> E12 (NGN)
    checkouts: list[int] = field(default_factory=list)  # payment ids, oldest first
    latest_checkout: dict[int, int] = field(default_factory=dict)  # engagement id -> its newest payment id
    checkout_names: dict[int, str] = field(default_factory=dict)  # payment id -> E12/P2
    references: dict[int, str] = field(default_factory=dict)  # payment id -> our reference
    step: int = 0
    played: int = 0
    statuses: dict[int, str] | None = None  # see statuses_now
    doing: str = ""  # what the current action is about, for the log should it crash
    log: deque = field(default_factory=lambda: deque(maxlen=LOG_TAIL))
    histogram: Counter = field(default_factory=Counter)
    crashes: list[Crash] = field(default_factory=list)

    def name(self, engagement: Engagement) -> str:
        return self.names.get(engagement.pk, f"engagement {engagement.pk}")

    def checkout_name(self, payment: Payment) -> str:
        return self.checkout_names.get(payment.pk, payment.reference)

    def now(self):
        return timezone.now()


def start_run(*, seed: int, staff: User, subject: Subject, level: Level) -> Run:
    """Three students, three tutors; each currency the site offers that goes to a gateway not yet
    covered is used, so both adapters take part."""
    students = [_person(User.Role.STUDENT, f"chaos-student-{i}") for i in range(3)]
    tutors = [_person(User.Role.TUTOR, f"chaos-tutor-{i}") for i in range(3)]
    gateway_of: dict[str, str] = {}
    for currency in offered_currencies():
        gateway = currency_rules(currency).gateway
        if gateway not in gateway_of.values():
            gateway_of[currency] = gateway
    return Run(
        rng=random.Random(seed),
        seed=seed,
        students=students,
        tutors=tutors,
        staff=staff,
        subject=subject,
        level=level,
        gateway_of=gateway_of,
    )


def _person(role: str, handle: str) -> User:
    return account_services.register_user(
        email=f"{handle}@example.com", full_name=handle.replace("-", " ").title(), password="chaos-pass-9", role=role
    )


# --- Background work: what runs after a commit -----------------------------------------------


@contextmanager
def after_commit(*, run: bool = True) -> Iterator[None]:
    """The test's transaction never commits, so run (or, when a worker lost them, drop) the on-commit
    callbacks queued inside the block, and those they queue in turn: tasks, and the sandbox's webhooks."""
    queued = connection.run_on_commit
    start = len(queued)
    try:
        yield
    finally:
        while len(queued) > start:
            batch = queued[start:]
            del queued[start:]
            for entry in batch if run else ():
                entry[1]()  # (savepoint ids, callback, robust)


@contextmanager
def crashed_tasks_recorded(run: Run) -> Iterator[None]:
    """A background task that raises is a crash too (the immediate backend only stores the error)."""

    def record(sender, task_result, **kwargs):
        if task_result.status == TaskResultStatus.FAILED:
            trace = task_result.errors[-1].traceback if task_result.errors else ""
            last = trace.strip().splitlines()[-1] if trace.strip() else "?"
            run.crashes.append(Crash(run.step, f"task {task_result.task.name}", last, trace))

    task_finished.connect(record, weak=False)
    try:
        yield
    finally:
        task_finished.disconnect(record)


def refusable(call: Callable[[], object]) -> str:
    """A user action the page answers with a message when refused; returns "" or the refusal."""
    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        return "refused: " + " ".join(getattr(exc, "messages", [str(exc)]))[:120]
    return ""


# --- Picking what to act on ----------------------------------------------------------------------


def statuses_now(run: Run) -> dict[int, str]:
    """The run's engagements in flight and their status, read once per step (a draw that finds
    nothing to do changes nothing)."""
    if run.statuses is None:
        run.statuses = dict(Engagement.objects.filter(pk__in=run.active).values_list("pk", "status"))
    return run.statuses


def pick_engagement(run: Run, rng: random.Random, *statuses: str) -> Engagement:
    """One of the run's engagements in one of the statuses (ids grow in the order the run made them)."""
    ids = sorted(pk for pk, status in statuses_now(run).items() if status in statuses)
    if not ids:
        raise NothingToDo
    engagement = Engagement.objects.select_related("student", "tutor", "question").get(pk=rng.choice(ids))
    run.doing = run.name(engagement)
    return engagement


def open_checkouts(run: Run, payment_ids: list[int]) -> list[int]:
    """Those of the payments whose hosted page can still be paid, in the order given."""
    wanted = [run.references[pk] for pk in payment_ids]
    still_open = set(
        SandboxCharge.objects.filter(reference__in=wanted, status__in=OPEN).values_list("reference", flat=True)
    )
    return [pk for pk in payment_ids if run.references[pk] in still_open]


def forget_ended(run: Run) -> None:
    ended = set(Engagement.objects.filter(pk__in=run.active, status__in=ENDED).values_list("pk", flat=True))
    run.active = [pk for pk in run.active if pk not in ended]
