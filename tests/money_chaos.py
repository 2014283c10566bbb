"""The money chaos run: many engagements driven through random user actions and random gateway faults,
then reconciliation, then the invariants that must hold whatever happened.

Every action goes through the service calls the views, the clock and staff use, with the sandbox
playing the gateway's side (its hosted page, its webhooks, its faults). An action is a function
`(run, rng) -> str` that describes what it did, raises `NothingToDo` when the run has nothing for it,
and lets a user-facing refusal (ValidationError / PermissionDenied, which the pages show as a
message) through `refusable`. Anything else it raises is a crash: recorded, and the run goes on,
as the site would. To add an action, write the function and add one line to ACTIONS.

Time is the run's own: deadlines are moved per engagement (as tests/test_clock.py does) and the
clock's reconciliation is told its `now`, so a seed replays the same run whatever the machine's speed.

The run is played in epochs (CHAOS_EPOCH steps, 1,000 by default): each starts from an empty
marketplace and gateway, ends with the gateway healed, held webhooks delivered and reconciliation
run until nothing is pending, has the invariants checked, and is rolled back to a savepoint, so a
long run stays as quick per step as a short one. Epoch i of seed s plays seed s + i.
The mapping from ledger accounts to money at the gateway is `books_say_at_gateway`; what the
gateway holds is `gateway_holds`: update those two when the ledger or the sandbox learn new moves.
"""

import os
import random
import re
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_finished
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from bidding import services as bid_services
from bidding.models import Bid
from catalog.models import Level, Subject
from core.money import currency_rules, format_money, offered_currencies
from engagements import services as engagement_services
from engagements.models import Engagement
from payments import ledger, services
from payments.models import Account, BankAccount, Escrow, Payment, Payout, Refund, WebhookEvent
from payments.sandbox import settle
from payments.sandbox.core import inject_fault
from payments.sandbox.models import SandboxCharge, SandboxFault, SandboxRefund, SandboxTransfer, SandboxWebhook
from payments.sandbox.tasks import deliver_delayed
from payments.sandbox.views import OPEN, back_to_merchant
from questions import services as question_services

DEFAULT_STEPS, CI_STEPS = 2_000, 10_000
EPOCH_STEPS = 1_000  # each epoch starts from nothing and ends with the invariants checked
LOG_TAIL = 30
MAX_ACTIVE = 40  # engagements in flight at once: enough to interleave, few enough to keep every step cheap
STALE_CHECKOUTS_KEPT = 200
ENDED = (Engagement.Status.COMPLETED, Engagement.Status.CANCELLED)
WEBHOOK_CHOICES = ["send"] * 11 + ["duplicate"] * 3 + ["delay"] * 3 + ["drop"] * 3
API_FAULTS = [SandboxFault.Mode.ERROR, SandboxFault.Mode.TIMEOUT, SandboxFault.Mode.LOST]
WEBHOOK_FAULTS = [SandboxFault.Mode.DUPLICATE, SandboxFault.Mode.DELAY, SandboxFault.Mode.DROP]
FAULT_OPERATIONS = {
    "checkout": API_FAULTS,
    "verify": API_FAULTS,
    "refund": API_FAULTS,
    "refund_status": API_FAULTS,
    "refund_list": API_FAULTS,
    "transfer": API_FAULTS,
    "transfer_status": API_FAULTS,
    "banks": API_FAULTS,
    "resolve": API_FAULTS,
    "recipient": API_FAULTS,
    "webhook": WEBHOOK_FAULTS,
}
BANKS = {"NG": "058", "GH": "GH280100", "KE": "01", "ZA": "632005"}  # one sandbox bank per country
RECONCILE_ROUNDS = 6
DRAWS = 10


class NothingToDo(Exception):
    """The run has no engagement, payment or balance this action applies to right now."""


def steps_wanted() -> int:
    """CHAOS_STEPS, else the CI length under CI=1, else the local one."""
    if os.environ.get("CHAOS_STEPS"):
        return int(os.environ["CHAOS_STEPS"])
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
    return CI_STEPS if ci else DEFAULT_STEPS


def epoch_steps() -> int:
    return int(os.environ.get("CHAOS_EPOCH") or EPOCH_STEPS)


def seed_wanted() -> int:
    return int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(1, 1_000_000))


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


# --- Actions: engagements ------------------------------------------------------------------------


def new_engagement(run: Run, rng: random.Random, currency: str) -> str:
    """A student posts a question, one or two tutors bid, the student accepts one bid."""
    if len(run.active) >= MAX_ACTIVE:
        raise NothingToDo
    student = rng.choice(run.students)
    minimum = currency_rules(currency).min_bid
    question = question_services.post_question(
        student=student,
        title=f"Chaos question {len(run.names) + 1}",
        body="Show every step, please.",
        subject=run.subject,
        level=run.level,
        deadline=run.now() + timedelta(hours=48),
        budget=minimum * 40,
        currency=currency,
    )
    bidders = rng.sample(run.tutors, rng.choice([1, 1, 1, 2]))
    bids = [
        bid_services.place_bid(
            question=question, tutor=tutor, amount=_price(rng, minimum), message="I can do it.", delivery_hours=24
        )
        for tutor in bidders
    ]
    engagement = engagement_services.accept_bid(bid=rng.choice(bids), by=student)
    run.active.append(engagement.pk)
    run.names[engagement.pk] = f"E{len(run.names) + 1} ({currency})"
    return f"{run.name(engagement)} {format_money(engagement.amount, currency)}"


def _price(rng: random.Random, minimum: int) -> int:
    """Round prices mostly, odd ones sometimes (commission, fees and splits must still add up)."""
    if rng.random() < 0.3:
        return rng.randint(minimum, minimum * 30)
    return minimum * rng.randint(1, 30)


def new_engagement_in_first_currency(run: Run, rng: random.Random) -> str:
    return new_engagement(run, rng, next(iter(run.gateway_of)))


def new_engagement_in_other_currency(run: Run, rng: random.Random) -> str:
    """The currency another gateway takes (Paystack), when the currency table routes one there."""
    others = list(run.gateway_of)[1:]
    if not others:
        raise NothingToDo
    return new_engagement(run, rng, rng.choice(others))


def accept_another_bid(run: Run, rng: random.Random) -> str:
    """After a cancellation reopens the question, the student accepts another tutor's bid."""
    bids = list(
        Bid.objects.live()
        .filter(question__student__in=run.students, question__title__startswith="Chaos question")
        .select_related("question")
        .order_by("created_at", "pk")
    )
    if not bids or len(run.active) >= MAX_ACTIVE:
        raise NothingToDo
    bid = rng.choice(bids)
    engagement = engagement_services.accept_bid(bid=bid, by=bid.question.student)
    run.active.append(engagement.pk)
    run.names[engagement.pk] = f"E{len(run.names) + 1} ({engagement.currency}, bid reaccepted)"
    return run.name(engagement)


def deliver(run: Run, rng: random.Random) -> str:
    engagement = pick_engagement(run, rng, Engagement.Status.IN_PROGRESS)
    said = refusable(
        lambda: engagement_services.deliver_work(engagement=engagement, by=engagement.tutor, message="Done.")
    )
    return f"{run.name(engagement)} {said}"


def request_revision(run: Run, rng: random.Random) -> str:
    engagement = pick_engagement(run, rng, Engagement.Status.DELIVERED)
    said = refusable(
        lambda: engagement_services.request_revision(engagement=engagement, by=engagement.student, reason="Steps?")
    )
    return f"{run.name(engagement)} {said}"


def approve(run: Run, rng: random.Random) -> str:
    engagement = pick_engagement(run, rng, Engagement.Status.DELIVERED)
    said = refusable(lambda: services.approve_and_release(engagement=engagement, by=engagement.student))
    return f"{run.name(engagement)} {said}"


def cancel(run: Run, rng: random.Random) -> str:
    """Either side before payment; the tutor backing out after it."""
    engagement = pick_engagement(run, rng, Engagement.Status.AWAITING_PAYMENT, Engagement.Status.IN_PROGRESS)
    paid = engagement.status == Engagement.Status.IN_PROGRESS
    by = engagement.tutor if paid else rng.choice([engagement.student, engagement.tutor])
    said = refusable(lambda: services.cancel_and_refund(engagement=engagement, by=by, reason="Changed my mind"))
    return f"{run.name(engagement)} by {'tutor' if by == engagement.tutor else 'student'} {said}"


def cancel_overdue(run: Run, rng: random.Random) -> str:
    """The tutor missed the delivery time: the student cancels and is refunded."""
    engagement = pick_engagement(run, rng, Engagement.Status.IN_PROGRESS)
    Engagement.objects.filter(pk=engagement.pk).update(due_at=run.now() - timedelta(hours=1))
    engagement.refresh_from_db()
    said = refusable(lambda: services.cancel_and_refund(engagement=engagement, by=engagement.student, reason="Late"))
    return f"{run.name(engagement)} {said}"


def open_dispute(run: Run, rng: random.Random) -> str:
    engagement = pick_engagement(run, rng, Engagement.Status.IN_PROGRESS, Engagement.Status.DELIVERED)
    by = rng.choice([engagement.student, engagement.tutor])
    said = refusable(lambda: engagement_services.open_dispute(engagement=engagement, by=by, reason="Not right"))
    return f"{run.name(engagement)} {said}"


def resolve_dispute(run: Run, rng: random.Random) -> str:
    engagement = pick_engagement(run, rng, Engagement.Status.DISPUTED)
    outcome = rng.choice(["refund", "release", "split"])
    part = rng.randint(1, engagement.amount - 1) if engagement.amount > 1 else 1
    said = refusable(
        lambda: services.resolve_dispute(
            engagement=engagement, by=run.staff, outcome=outcome, refund_amount=part if outcome == "split" else 0
        )
    )
    shown = f"split, {format_money(part, engagement.currency)} back" if outcome == "split" else outcome
    return f"{run.name(engagement)} {shown} {said}"


# --- Actions: paying -------------------------------------------------------------------------------


def return_url(reference: str) -> str:
    return "http://testserver" + reverse("payment_return", args=[reference])


def _start_checkout(run: Run, engagement: Engagement) -> str:
    payment: list[Payment] = []
    said = refusable(
        lambda: payment.append(
            services.start_checkout(engagement=engagement, by=engagement.student, return_url=return_url)
        )
    )
    if payment:
        made = payment[0]
        run.checkouts.append(made.pk)
        run.references[made.pk] = made.reference
        run.latest_checkout[engagement.pk] = made.pk
        run.checkout_names[made.pk] = f"{run.name(engagement).split()[0]}/P{len(run.checkout_names) + 1}"
        said = f"{run.checkout_name(made)} {made.status} {said}"
    return said


def press_pay(run: Run, rng: random.Random) -> str:
    engagement = pick_engagement(run, rng, Engagement.Status.AWAITING_PAYMENT)
    return f"{run.name(engagement)} {_start_checkout(run, engagement)}"


def press_pay_twice(run: Run, rng: random.Random) -> str:
    engagement = pick_engagement(run, rng, Engagement.Status.AWAITING_PAYMENT)
    first = _start_checkout(run, engagement)
    return f"{run.name(engagement)} {first}; again: {_start_checkout(run, engagement)}"


def current_checkouts(run: Run) -> list[int]:
    """Open hosted pages that are the newest checkout of an engagement still waiting for payment."""
    return open_checkouts(run, sorted(_newest_of_awaiting(run)))


def stale_checkouts(run: Run) -> list[int]:
    """Open hosted pages that are not the one the student would pay now: replaced by a newer checkout,
    or for an engagement no longer waiting for payment (paid, cancelled, lapsed)."""
    del run.checkouts[:-STALE_CHECKOUTS_KEPT]
    current = _newest_of_awaiting(run)
    return [pk for pk in open_checkouts(run, run.checkouts) if pk not in current]


def _newest_of_awaiting(run: Run) -> set[int]:
    awaiting = [pk for pk, status in statuses_now(run).items() if status == Engagement.Status.AWAITING_PAYMENT]
    return {run.latest_checkout[pk] for pk in awaiting if pk in run.latest_checkout}


def checkout_page(pk: int) -> Payment:
    return Payment.objects.select_related("engagement").get(pk=pk)


def on_hosted_page(run: Run, rng: random.Random, payment: Payment, outcome: str) -> str:
    """The student chooses on the gateway's page; the gateway redirects back (unless the tab is
    closed) and the return page verifies, as `web.payments.payment_return` does."""
    charge = SandboxCharge.objects.get(gateway=payment.gateway, reference=payment.reference)
    webhook = rng.choice(WEBHOOK_CHOICES)
    early = rng.random() < 0.5
    if early:  # the webhook reaches the site before the student is back
        with after_commit():
            settle.finish_charge(charge, outcome=outcome, webhook=webhook)
    else:  # it arrives once the action is over (attempt runs what is still queued)
        settle.finish_charge(charge, outcome=outcome, webhook=webhook)
    said = f"{run.checkout_name(payment)} {outcome}, webhook {webhook}{' (before the return)' if early else ''}"
    run.doing = said + ", returned:"
    if rng.random() < 0.25:
        return said + ", tab closed"
    query = parse_qs(urlsplit(back_to_merchant(charge)).query)
    return said + ", " + return_page(payment, cancelled=query.get("status") == ["cancelled"])


def return_page(payment: Payment, *, cancelled: bool = False) -> str:
    """`web.payments.payment_return`: verify with the gateway; a cancel in the query string only
    closes a checkout the gateway still calls pending. Nothing here is a refusal: a raise is a crash."""
    payment = services.confirm_payment(payment=payment)
    if payment.status == Payment.Status.PENDING and cancelled:
        payment = services.cancel_checkout(payment=payment)
    return f"returned: {payment.status}"


def hosted_page(run: Run, rng: random.Random) -> str:
    candidates = current_checkouts(run)
    if not candidates:
        raise NothingToDo
    outcome = rng.choice(["pay"] * 7 + ["underpay", "fail", "fail", "cancel", "cancel"])
    return on_hosted_page(run, rng, checkout_page(rng.choice(candidates)), outcome)


def pay_stale_checkout(run: Run, rng: random.Random) -> str:
    candidates = stale_checkouts(run)
    if not candidates:
        raise NothingToDo
    outcome = rng.choice(["pay", "pay", "pay", "underpay"])
    return "stale " + on_hosted_page(run, rng, checkout_page(rng.choice(candidates)), outcome)


def revisit_return_page(run: Run, rng: random.Random) -> str:
    """The student reloads (or comes back to) the return page of one of their checkouts."""
    recent = run.checkouts[-STALE_CHECKOUTS_KEPT:]
    if not recent:
        raise NothingToDo
    payment = Payment.objects.get(pk=rng.choice(recent))
    run.doing = f"{run.checkout_name(payment)} was {payment.status},"
    return f"{run.doing} " + return_page(payment)


def deliver_held_webhooks(run: Run, rng: random.Random) -> str:
    return f"{deliver_delayed()} delivered late"


# --- Actions: the clock, staff and reconciliation --------------------------------------------------


def lapse_unpaid(run: Run, rng: random.Random) -> str:
    """The payment window passes; the clock's process_deadlines lapses it (after asking the gateway)."""
    engagement = pick_engagement(run, rng, Engagement.Status.AWAITING_PAYMENT)
    Engagement.objects.filter(pk=engagement.pk).update(payment_due_at=run.now() - timedelta(minutes=1))
    done = services.process_deadlines()
    engagement.refresh_from_db()
    return f"{run.name(engagement)} now {engagement.status} {done}"


def auto_approve(run: Run, rng: random.Random) -> str:
    """The student stays silent after a delivery; the clock approves and pays the tutor."""
    engagement = pick_engagement(run, rng, Engagement.Status.DELIVERED)
    Engagement.objects.filter(pk=engagement.pk).update(auto_approve_at=run.now() - timedelta(minutes=1))
    done = services.process_deadlines()
    engagement.refresh_from_db()
    return f"{run.name(engagement)} now {engagement.status} {done}"


def reconcile_by_staff(run: Run, rng: random.Random) -> str:
    """Staff press "re-check everything" on the reconciliation page."""
    return "; ".join(services.reconcile(everything=True).lines())[:200]


def reconcile_by_clock(run: Run, rng: random.Random) -> str:
    """The clock's reconciliation, an hour after everything pending now (past any request in flight)."""
    return "; ".join(services.reconcile(now=run.now() + timedelta(hours=1)).lines())[:200]


def retry_failed_refund(run: Run, rng: random.Random) -> str:
    failed = list(Refund.objects.filter(status=Refund.Status.FAILED).order_by("created_at", "pk"))
    if not failed:
        raise NothingToDo
    refund = rng.choice(failed)
    said = refusable(lambda: services.retry_refund(refund=refund, by=run.staff))
    return f"refund of {format_money(refund.amount, refund.currency)} ({refund.failure_reason[:60]}) {said}"


# --- Actions: tutors' payouts ----------------------------------------------------------------------


def add_bank_account(run: Run, rng: random.Random) -> str:
    """A tutor saves an account; one in five ends in 9, which the sandbox's bank refuses at transfer."""
    tutor = rng.choice(run.tutors)
    currency = rng.choice(list(run.gateway_of))
    number = "".join(rng.choice("0123456789") for _ in range(9)) + rng.choice("012345678" + "9" * 2)
    bank = BANKS[currency_rules(currency).bank_country]
    said = refusable(
        lambda: services.add_bank_account(user=tutor, currency=currency, bank_code=bank, account_number=number)
    )
    return f"{tutor.full_name} {currency} …{number[-4:]} {said}"


def request_payout(run: Run, rng: random.Random) -> str:
    """A tutor with a saved account and enough available asks for some or all of it."""
    accounts = list(BankAccount.objects.filter(user__in=run.tutors).order_by("pk"))
    balances = {
        (row["user"], row["currency"]): row["total"]
        for row in ledger.LedgerEntry.objects.filter(account=Account.TUTOR_AVAILABLE, user__in=run.tutors)
        .values("user", "currency")
        .annotate(total=Sum("amount"))
    }
    choices = [
        (account, balances[(account.user_id, account.currency)])
        for account in accounts
        if balances.get((account.user_id, account.currency), 0) >= currency_rules(account.currency).min_payout
    ]
    if not choices:
        raise NothingToDo
    account, available = rng.choice(choices)
    minimum = currency_rules(account.currency).min_payout
    amount = available if rng.random() < 0.5 else rng.randint(minimum, available)
    tutor = account.user
    said = refusable(lambda: services.request_payout(tutor=tutor, bank_account=account, amount=amount))
    return f"{tutor.full_name} {format_money(amount, account.currency)} to …{account.account_number[-4:]} {said}"


# --- Actions: the gateway misbehaving ------------------------------------------------------------


def arm_fault(run: Run, rng: random.Random) -> str:
    """The next call of one operation at one gateway fails: 500, timeout after the work, or before it;
    for webhooks: sent twice, held back, or never sent."""
    gateway = rng.choice(sorted(set(run.gateway_of.values())))
    operation = rng.choice(sorted(FAULT_OPERATIONS))
    mode = rng.choice(FAULT_OPERATIONS[operation])
    inject_fault(gateway=gateway, operation=operation, mode=mode)
    return f"{gateway} {operation}: {mode}"


def worker_lost_tasks(run: Run, rng: random.Random) -> str:
    """A background worker dies: whatever one action queued for after its commit never runs."""
    name, action = pick_action(rng, exclude={"worker_lost_tasks"})
    with after_commit(run=False):
        said = action(run, rng)
    return f"{name}: {said}"


# --- The table -------------------------------------------------------------------------------------

Action = Callable[[Run, random.Random], str]

# name -> (weight, action). Weights are relative; most steps are the users' own moves.
ACTIONS: dict[str, tuple[float, Action]] = {
    "new_engagement": (5, new_engagement_in_first_currency),
    "new_engagement_other_gateway": (2.5, new_engagement_in_other_currency),
    "accept_another_bid": (1, accept_another_bid),
    "press_pay": (6, press_pay),
    "press_pay_twice": (1.5, press_pay_twice),
    "hosted_page": (12, hosted_page),
    "pay_stale_checkout": (2.5, pay_stale_checkout),
    "revisit_return_page": (3, revisit_return_page),
    "deliver_held_webhooks": (2, deliver_held_webhooks),
    "deliver": (8, deliver),
    "request_revision": (2, request_revision),
    "approve": (7, approve),
    "cancel": (2.5, cancel),
    "cancel_overdue": (1, cancel_overdue),
    "open_dispute": (3, open_dispute),
    "resolve_dispute": (4, resolve_dispute),
    "lapse_unpaid": (1, lapse_unpaid),
    "auto_approve": (1.5, auto_approve),
    "add_bank_account": (1.5, add_bank_account),
    "request_payout": (5, request_payout),
    "retry_failed_refund": (1, retry_failed_refund),
    "reconcile_by_staff": (0.2, reconcile_by_staff),
    "reconcile_by_clock": (0.2, reconcile_by_clock),
    "arm_fault": (8, arm_fault),
    "worker_lost_tasks": (1.5, worker_lost_tasks),
}


def pick_action(rng: random.Random, *, exclude: frozenset[str] | set[str] = frozenset()) -> tuple[str, Action]:
    names = [name for name in ACTIONS if name not in exclude]
    name = rng.choices(names, weights=[ACTIONS[name][0] for name in names])[0]
    return name, ACTIONS[name][1]


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
    """Staff's "re-check everything" after the clock has moved past every request in flight."""
    return "; ".join(services.reconcile(now=run.now() + timedelta(hours=2), everything=True).lines())[:300]


def still_pending() -> bool:
    return (
        Refund.objects.filter(status=Refund.Status.PENDING).exists()
        or Payout.objects.filter(status=Payout.Status.PENDING).exists()
        or WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).exists()
        or SandboxWebhook.objects.filter(delayed=True, sent_at=None).exists()
    )


# --- The invariants ----------------------------------------------------------------------------------


def books_say_at_gateway(currency: str) -> int:
    """What our books say must still be at the gateway for us, in one currency.

    The money students paid sits at the gateway until it is refunded or transferred out, so it is the
    sum of the ledger accounts for money that has not left: held in ESCROW, the tutors' AVAILABLE
    balances and their payouts IN FLIGHT (a transfer not yet confirmed), and PLATFORM_REVENUE
    (commission, less the gateway's fees, which the fee entry takes from it).
    Not counted: STUDENT_FUNDING (paid in, less what was set aside to refund), TUTOR_PAID_OUT (left
    by transfer) and GATEWAY_FEES (kept by the gateway). The ledger sums to zero, so the accounts
    counted are exactly minus those.
    Update this when the ledger gains an account (e.g. refunds in flight, reversed transfers).
    """
    held = [Account.ESCROW, Account.TUTOR_AVAILABLE, Account.TUTOR_PAYOUT_IN_FLIGHT, Account.PLATFORM_REVENUE]
    return ledger.LedgerEntry.objects.filter(account__in=held, currency=currency).balance()


def gateway_holds(currency: str) -> dict[str, int]:
    """From the sandbox's own tables: what was paid, less the fees it kept, the refunds it made
    (a failed one returned nothing) and the transfers that reached a bank."""
    paid = SandboxCharge.objects.filter(currency=currency, status__in=("successful", "success"))
    refunds = SandboxRefund.objects.filter(charge__currency=currency).exclude(status="failed")
    transfers = SandboxTransfer.objects.filter(currency=currency, status="successful")
    parts = {
        "paid": paid.aggregate(total=Sum("paid_amount"))["total"] or 0,
        "fees": paid.aggregate(total=Sum("fee"))["total"] or 0,
        "refunded": refunds.aggregate(total=Sum("amount"))["total"] or 0,
        "transferred": transfers.aggregate(total=Sum("amount"))["total"] or 0,
    }
    parts["holds"] = parts["paid"] - parts["fees"] - parts["refunded"] - parts["transferred"]
    return parts


def currencies_seen() -> list[str]:
    from_gateway = SandboxCharge.objects.values_list("currency", flat=True).distinct()
    from_books = ledger.LedgerEntry.objects.values_list("currency", flat=True).distinct()
    return sorted(set(from_gateway) | set(from_books))


def broken_invariants() -> list[str]:
    return [
        *ledger_unbalanced(),
        *gateway_differs_from_books(),
        *escrow_left_on_ended_engagements(),
        *captured_money_unaccounted(),
        *left_pending(),
        *gateway_refunds_without_ours(),
        *transfers_differ_from_payouts(),
        *reconciliation_report_not_clean(),
    ]


def ledger_unbalanced() -> list[str]:
    return [
        f"(a) ledger out of balance in {c}: entries sum to {t}" for c, t in ledger.totals_by_currency().items() if t
    ]


def gateway_differs_from_books(currency_list: list[str] | None = None) -> list[str]:
    problems = []
    for currency in currency_list or currencies_seen():
        gateway, books = gateway_holds(currency), books_say_at_gateway(currency)
        if gateway["holds"] != books:
            money = {k: format_money(v, currency) for k, v in gateway.items()}
            pending = Refund.objects.filter(currency=currency, status=Refund.Status.PENDING).count()
            failed = Refund.objects.filter(currency=currency, status=Refund.Status.FAILED)
            problems.append(
                f"(b) {currency}: the gateway holds {money['holds']} (paid {money['paid']} - fees {money['fees']}"
                f" - refunded {money['refunded']} - transferred {money['transferred']}), the books say"
                f" {format_money(books, currency)}: off by {format_money(gateway['holds'] - books, currency)}"
                f" [refunds pending: {pending}, failed: {failed.count()}"
                f" ({format_money(failed.aggregate(t=Sum('amount'))['t'] or 0, currency)})]"
            )
    return problems


def escrow_left_on_ended_engagements() -> list[str]:
    held = Escrow.objects.filter(status=Escrow.Status.HELD, engagement__status__in=ENDED).select_related("engagement")
    problems = [
        f"(c) engagement {e.engagement_id} is {e.engagement.status} but {format_money(e.amount, e.currency)} is"
        " still held in escrow"
        for e in held
    ]
    ledger_held = (
        ledger.LedgerEntry.objects.filter(account=Account.ESCROW, engagement__status__in=ENDED)
        .values("engagement_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    problems += [
        f"(c) engagement {row['engagement_id']} has ended but the ledger's escrow for it holds"
        f" {format_money(row['total'], row['currency'])}"
        for row in ledger_held
    ]
    return problems


def captured_money_unaccounted() -> list[str]:
    """Each payment the gateway captured is held in escrow, released (to the tutor and commission),
    or refunded by a refund the gateway made: to the last minor unit."""
    problems = []
    for charge in SandboxCharge.objects.filter(status__in=("successful", "success")).order_by("pk"):
        payment = Payment.objects.filter(reference=charge.reference).first()
        if payment is None:
            problems.append(f"(c) the gateway captured {charge.reference}, which we have no record of")
            continue
        accounted = _accounted(payment)
        if accounted != charge.paid_amount:
            problems.append(
                f"(c) {payment.reference} ({payment.status}, engagement {payment.engagement_id}): the gateway"
                f" captured {format_money(charge.paid_amount, charge.currency)}, we account for"
                f" {format_money(accounted, charge.currency)} (escrow held/released + refunds done)"
            )
    return problems


def _accounted(payment: Payment) -> int:
    refunded = payment.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))["total"] or 0
    escrow = Escrow.objects.filter(payment=payment).first()
    if escrow is None:
        return refunded
    kept = escrow.amount if escrow.status == Escrow.Status.HELD else escrow.to_tutor + escrow.commission
    return kept + refunded


def left_pending() -> list[str]:
    refunds = Refund.objects.filter(status=Refund.Status.PENDING).select_related("payment")
    payouts = Payout.objects.filter(status=Payout.Status.PENDING)
    problems = [
        f"(c) refund {r.pk} of {format_money(r.amount, r.currency)} for {r.payment.reference} still pending"
        f" after reconciliation (attempts {r.attempts}, gateway id {r.gateway_id or 'none'})"
        for r in refunds
    ]
    problems += [
        f"(c) payout {p.reference} of {format_money(p.amount, p.currency)} still pending after reconciliation"
        for p in payouts
    ]
    return problems


def gateway_refunds_without_ours() -> list[str]:
    problems = []
    for made in SandboxRefund.objects.exclude(status="failed").select_related("charge").order_by("pk"):
        ours = Refund.objects.filter(payment__reference=made.charge.reference, gateway_id=str(made.pk)).first()
        if ours is None:
            problems.append(
                f"(c) the gateway refunded {format_money(made.amount, made.charge.currency)} of"
                f" {made.charge.reference} (its refund {made.pk}) with no refund of ours matching it"
            )
        elif ours.amount != made.amount or ours.status != Refund.Status.SUCCEEDED:
            problems.append(
                f"(c) gateway refund {made.pk} ({format_money(made.amount, made.charge.currency)}) is matched by"
                f" our refund {ours.pk} of {format_money(ours.amount, ours.currency)}, {ours.status}"
            )
    return problems


def transfers_differ_from_payouts() -> list[str]:
    problems = []
    payouts = {p.reference: p for p in Payout.objects.all()}
    for transfer in SandboxTransfer.objects.order_by("pk"):
        payout = payouts.pop(transfer.reference, None)
        status = {"successful": Payout.Status.SUCCEEDED, "failed": Payout.Status.FAILED}.get(transfer.status)
        if payout is None or payout.amount != transfer.amount or payout.status != status:
            ours = f"our payout is {payout.status} {_money(payout.amount, payout.currency)}" if payout else "no payout"
            theirs = f"{transfer.status} {_money(transfer.amount, transfer.currency)}"
            problems.append(f"(c) transfer {transfer.reference} {theirs}: {ours}")
    problems += [
        f"(c) payout {p.reference} is {p.status} but the gateway has no transfer for it"
        for p in payouts.values()
        if p.status == Payout.Status.SUCCEEDED
    ]
    return problems


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency)


def reconciliation_report_not_clean() -> list[str]:
    return [f"(d) reconciliation reports: {line}" for line in services.find_mismatches()]


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
