"""What can happen, one function each `(run, rng) -> str`, and the table that weighs them.

An action raises NothingToDo when the run has nothing for it and passes user-facing refusals through
`refusable`; to add one, write the function and give it a line in ACTIONS."""

import random
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.db.models import Sum
from django.urls import reverse

from bidding import services as bid_services
from bidding.models import Bid
from core.money import currency_rules, format_money
from engagements import services as engagement_services
from engagements.models import Engagement
from payments import ledger, services
from payments.models import Account, BankAccount, Payment, Refund
from payments.sandbox import events, settle
from payments.sandbox.core import inject_fault
from payments.sandbox.models import SandboxCharge, SandboxChargeback, SandboxFault, SandboxTransfer
from payments.sandbox.tasks import deliver_delayed
from payments.sandbox.views import back_to_merchant
from questions import services as question_services
from tests.money_chaos.state import (
    NothingToDo,
    Run,
    after_commit,
    open_checkouts,
    pick_engagement,
    refusable,
    statuses_now,
)

MAX_ACTIVE = 40  # engagements in flight at once: enough to interleave, few enough to keep every step cheap
STALE_CHECKOUTS_KEPT = 200
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
    outcome = rng.choice(["pay"] * 7 + ["underpay", "overpay", "wrong_currency", "fail", "fail", "cancel", "cancel"])
    return on_hosted_page(run, rng, checkout_page(rng.choice(candidates)), outcome)


def pay_stale_checkout(run: Run, rng: random.Random) -> str:
    candidates = stale_checkouts(run)
    if not candidates:
        raise NothingToDo
    outcome = rng.choice(["pay", "pay", "pay", "underpay", "overpay"])
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


# --- Actions: what happens at the gateway without the site asking -----------------------------------


def _paid_charges(rng: random.Random) -> SandboxCharge:
    charges = list(SandboxCharge.objects.filter(status__in=("successful", "success")).order_by("pk"))
    if not charges:
        raise NothingToDo
    return rng.choice(charges)


def dashboard_refund(run: Run, rng: random.Random) -> str:
    """Someone refunds part of a charge on the gateway's dashboard (so a later refund of ours may be refused)."""
    charge = _paid_charges(rng)
    left = charge.paid_amount - sum(r.amount for r in charge.refunds.exclude(status="failed"))
    if left <= 0:
        raise NothingToDo
    amount = rng.randint(1, left)
    with after_commit():
        events.refund_at_gateway(charge, amount=amount)
    return f"{charge.reference} refunded {format_money(amount, charge.currency)} on the dashboard"


def bank_reverses_transfer(run: Run, rng: random.Random) -> str:
    transfers = list(SandboxTransfer.objects.filter(status="successful").order_by("pk"))
    if not transfers:
        raise NothingToDo
    transfer = rng.choice(transfers)
    with after_commit():
        events.reverse_transfer(transfer)
    return f"transfer {transfer.reference} reversed by the bank"


def chargeback(run: Run, rng: random.Random) -> str:
    """A student's bank disputes a charge; an open one may be decided later."""
    open_ones = list(SandboxChargeback.objects.filter(status=SandboxChargeback.Status.OPEN).order_by("pk"))
    if open_ones and rng.random() < 0.5:
        decided, won = rng.choice(open_ones), rng.random() < 0.5
        with after_commit():
            events.close_chargeback(decided, won=won)
        return f"chargeback on {decided.charge.reference} {'won' if won else 'lost'}"
    charge = _paid_charges(rng)
    if charge.chargebacks.exists():
        raise NothingToDo
    amount = rng.randint(1, charge.paid_amount)
    with after_commit():
        events.open_chargeback(charge, amount=amount)
    return f"chargeback opened on {charge.reference} for {format_money(amount, charge.currency)}"


def compare_with_gateways(run: Run, rng: random.Random) -> str:
    """The hourly comparison with the gateways' own lists."""
    with after_commit():
        started = services.start_comparison()
    done = services.compare_with_gateways(run_id=started.pk)
    return f"comparison {done.status}: {done.records_seen} records, {done.differences} differences"


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
    "dashboard_refund": (0.6, dashboard_refund),
    "bank_reverses_transfer": (0.6, bank_reverses_transfer),
    "chargeback": (0.8, chargeback),
    "compare_with_gateways": (0.3, compare_with_gateways),
    "worker_lost_tasks": (1.5, worker_lost_tasks),
}


def pick_action(rng: random.Random, *, exclude: frozenset[str] | set[str] = frozenset()) -> tuple[str, Action]:
    names = [name for name in ACTIONS if name not in exclude]
    name = rng.choices(names, weights=[ACTIONS[name][0] for name in names])[0]
    return name, ACTIONS[name][1]
