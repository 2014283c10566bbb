"""Each money transition locks its rows once, in the one order (payments/services/locks.py).

Every `select_for_update()` a transition makes is recorded by model, on any database. Where the
database takes row locks (PostgreSQL), the SQL is counted too: exactly one FOR UPDATE statement for
each of them. SQLite has no FOR UPDATE, so there the recorded calls are the check."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.query import QuerySet
from django.utils import timezone

from engagements import services as engagement_services
from engagements.models import Engagement
from payments import services
from payments.gateways import get_gateway
from payments.models import Payment
from tests.sandbox import start_paying

pytestmark = pytest.mark.django_db

ENGAGEMENT = ["Question", "Engagement"]
ENDING = ["Question", "Bid", "Engagement"]  # the change ends the question: its accepted bid too


class Locks:
    def __init__(self):
        self.models: list[str] = []
        self.statements = 0

    def check(self, expected: list[str]) -> None:
        assert self.models == expected
        if connection.features.has_select_for_update:
            assert self.statements == len(expected)


@contextmanager
def locks_taken(monkeypatch):
    taken = Locks()
    select_for_update = QuerySet.select_for_update

    def recorded(queryset, *args, **kwargs):
        taken.models.append(queryset.model.__name__)
        return select_for_update(queryset, *args, **kwargs)

    def count(execute, sql, params, many, context):
        taken.statements += "FOR UPDATE" in sql
        return execute(sql, params, many, context)

    with monkeypatch.context() as patched, connection.execute_wrapper(count):
        patched.setattr(QuerySet, "select_for_update", recorded)
        yield taken


def test_a_verified_payment_locks_question_engagement_payment(monkeypatch, engagement):
    client, checkout = start_paying(engagement)
    client.post(checkout, {"outcome": "pay", "webhook": "drop"})  # paid, but never came back to the site
    payment = Payment.objects.get()
    verification = get_gateway(payment.gateway).verify(reference=payment.reference, gateway_id=payment.gateway_id)

    with locks_taken(monkeypatch) as taken:
        services.confirm_payment(payment=payment, verification=verification)

    taken.check([*ENGAGEMENT, "Payment"])
    assert Engagement.objects.get().status == Engagement.Status.IN_PROGRESS


def test_approval_locks_question_engagement_escrow(monkeypatch, delivered, ada):
    with locks_taken(monkeypatch) as taken:
        services.approve_and_release(engagement=delivered, by=ada)

    taken.check([*ENGAGEMENT, "Escrow"])


def test_the_clocks_approval_locks_the_same(monkeypatch, delivered, settings):
    later = timezone.now() + timedelta(days=settings.AUTO_APPROVE_DAYS, minutes=1)

    with locks_taken(monkeypatch) as taken:
        assert services.process_deadlines(now=later)["auto_approved"] == 1

    taken.check([*ENGAGEMENT, "Escrow"])


def test_cancelling_paid_work_locks_the_bid_too_then_the_escrow(monkeypatch, funded, bola):
    with locks_taken(monkeypatch) as taken:
        services.cancel_and_refund(engagement=funded, by=bola, reason="Can't do it")

    taken.check([*ENDING, "Escrow"])


def test_cancelling_before_payment_has_no_escrow_to_lock(monkeypatch, engagement, ada):
    with locks_taken(monkeypatch) as taken:
        services.cancel_and_refund(engagement=engagement, by=ada)

    taken.check(ENDING)


def test_the_clocks_lapse_of_an_unpaid_engagement_locks_the_same(monkeypatch, engagement):
    Engagement.objects.filter(pk=engagement.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))

    with locks_taken(monkeypatch) as taken:
        assert services.process_deadlines()["unpaid_cancelled"] == 1

    taken.check(ENDING)


@pytest.mark.parametrize(
    ("outcome", "rows"),
    [("release", [*ENGAGEMENT, "Escrow"]), ("split", [*ENGAGEMENT, "Escrow"]), ("refund", [*ENDING, "Escrow"])],
)
def test_a_dispute_decision_locks_each_row_once(monkeypatch, delivered, ada, staff, outcome, rows):
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Half of it is missing")

    with locks_taken(monkeypatch) as taken:
        services.resolve_dispute(engagement=delivered, by=staff, outcome=outcome, refund_amount=100_000)

    taken.check(rows)
