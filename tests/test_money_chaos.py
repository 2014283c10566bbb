"""Whatever users do and however the gateway fails, once reconciliation has settled every pending
thing, the money adds up: the ledger balances, the gateway holds exactly what the books say it
does, and no paid money is stranded. A seeded random run (tests/money_chaos/); a failure prints
its seed and last steps, and `CHAOS_SEED=n CHAOS_STEPS=m` replays it."""

import logging
import time

import pytest

from catalog.models import Level, Subject
from core import changes, realtime
from core.money import currency_rules, offered_currencies
from notifications.services import outbox
from tests.money_chaos import run as chaos

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def both_gateways(settings):
    """The run pays through both adapters: if no currency the site offers is routed to Paystack (as
    PAYMENT_GATEWAY_BY_CURRENCY would route one), GHS is."""
    if not any(currency_rules(code).gateway == "paystack" for code in offered_currencies()):
        settings.CURRENCIES = {**settings.CURRENCIES, "GHS": {**settings.CURRENCIES["GHS"], "gateway": "paystack"}}


@pytest.fixture
def replayable(settings):
    """A refund request counts as in flight for 3 x PAYMENT_HTTP_TIMEOUT of wall time. At ten minutes
    (half an hour in flight) no epoch lasts that long, so only the run's own moved clock (the clock's
    reconciliation an hour later) gets past it, and a seed replays the same run however fast the
    machine is. The in-process sandbox never waits on the timeout."""
    settings.PAYMENT_HTTP_TIMEOUT = 600
    settings.MAX_LIVE_BIDS_PER_TUTOR = 10_000  # three tutors bid on everything


@pytest.fixture
def money_only(monkeypatch):
    """Texts and emails to users, live updates to open pages and the recommendations index are not
    money: their background work is left out, so ten thousand steps stay quick. Notifications are still
    written; their messages wait in the outbox."""
    monkeypatch.setattr(outbox, "enqueue_after_commit", lambda message: None)
    monkeypatch.setattr(realtime, "broadcast_all", lambda sends: None)
    monkeypatch.setattr(changes.question_changed, "listeners", [])
    monkeypatch.setattr(changes.tutor_changed, "listeners", [])


@pytest.fixture
def quiet():
    """Thousands of requests and tasks log a line each; the run records its own crashes and steps."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def test_money_adds_up_after_any_run_of_users_and_gateway_faults(
    both_gateways, replayable, money_only, quiet, staff, record_property, capsys
):
    seed, started = chaos.seed_wanted(), time.monotonic()
    subject, level = Subject.objects.get(slug="mathematics"), Level.objects.get(slug="sss-3")

    epochs = [
        chaos.play_epoch(seed=epoch_seed, steps=steps, staff=staff, subject=subject, level=level)
        for epoch_seed, steps in chaos.epoch_plan(seed, chaos.steps_wanted(), chaos.epoch_steps())
    ]

    summary = chaos.summary(epochs, seed=seed, seconds=time.monotonic() - started)
    record_property("chaos_summary", summary)
    with capsys.disabled():
        print("\n" + summary)
    assert not any(epoch.failed for epoch in epochs), chaos.failure_report(epochs, seed=seed)
