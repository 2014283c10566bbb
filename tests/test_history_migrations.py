"""Upgrading a live database: the status history of money records and outbound messages moves
from the shared tables (MoneyEvent, MessageEvent) into each record's own history, every row kept,
and payments and payouts that said "successful" or "paid" say "succeeded" afterwards."""

from datetime import timedelta
from functools import partial

import pytest
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from notifications.models import OutboundMessage
from payments.models import Escrow, Payment, Payout, Refund

BEFORE = [("payments", "0003_payout_sent_at"), ("notifications", "0002_invited_kind")]
MOVED = [("payments", "0006_delete_moneyevent"), ("notifications", "0005_delete_messageevent")]

pytestmark = pytest.mark.django_db(transaction=True)  # migrations change the schema: no wrapping transaction


@pytest.fixture
def migrate():
    """Moves the schema to the given migrations (None: the latest) and returns their models;
    the database is left at the latest for the next test."""

    def to(targets=None):
        executor = MigrationExecutor(connection)
        targets = targets or executor.loader.graph.leaf_nodes()
        executor.migrate(targets)
        return MigrationExecutor(connection).loader.project_state(targets).apps

    yield to
    to()


def old_money(apps, engagement, *, payment_status="successful", payout_status="paid"):
    """A payment, its escrow and refund, and a payout, written with the models of the time."""
    model = partial(apps.get_model, "payments")
    money = {"amount": engagement.amount, "currency": engagement.currency, "gateway": "flutterwave"}
    payment = model("Payment").objects.create(
        engagement_id=engagement.pk,
        student_id=engagement.student_id,
        reference="EH-P1-old",
        status=payment_status,
        **money,
    )
    escrow = model("Escrow").objects.create(
        engagement_id=engagement.pk, payment=payment, amount=money["amount"], currency=money["currency"]
    )
    refund = model("Refund").objects.create(
        payment=payment, amount=100_000, currency="NGN", reason="part refund", status="succeeded"
    )
    account = model("BankAccount").objects.create(
        user_id=engagement.tutor_id,
        gateway="flutterwave",
        currency="NGN",
        bank_code="044",
        bank_name="Access Bank",
        account_number="0690000031",
        account_name="BOLA ADEYEMI",
    )
    payout = model("Payout").objects.create(
        tutor_id=engagement.tutor_id, bank_account=account, reference="EH-T1-old", status=payout_status, **money
    )
    return {"payment": payment.pk, "escrow": escrow.pk, "refund": refund.pk, "payout": payout.pk}


def test_every_money_history_row_moves_to_its_records_own_history(migrate, engagement, ada):
    old = migrate(BEFORE)
    ids = old_money(old, engagement)
    day = timezone.now() - timedelta(days=3)
    written = {
        "payment": [("pending", "successful", None, "verified with the gateway", day)],
        "escrow": [("held", "split", ada.pk, "half each", day + timedelta(hours=1))],
        "refund": [
            ("pending", "failed", None, "gateway says failed", day + timedelta(hours=2)),
            ("failed", "pending", ada.pk, "retried by staff", day + timedelta(hours=3)),
            ("pending", "succeeded", None, "", day + timedelta(hours=3)),
        ],
        "payout": [("pending", "paid", None, "x" * 500, day + timedelta(hours=4))],
    }
    MoneyEvent = old.get_model("payments", "MoneyEvent")
    for kind, rows in written.items():
        for from_status, to_status, actor, note, when in rows:
            MoneyEvent.objects.create(
                kind=kind,
                object_id=ids[kind],
                from_status=from_status,
                to_status=to_status,
                actor_id=actor,
                note=note,
                created_at=when,
            )

    new = migrate(MOVED)

    for kind, rows in written.items():
        history = new.get_model("payments", f"{kind.title()}Event").objects.filter(**{f"{kind}_id": ids[kind]})
        assert list(history.values_list("from_status", "to_status", "actor_id", "note", "created_at")) == rows
    assert "payments_moneyevent" not in connection.introspection.table_names()


def test_every_outbound_message_history_row_moves_with_it(migrate, ada):
    old = migrate(BEFORE)
    message = old.get_model("notifications", "OutboundMessage").objects.create(
        user_id=ada.pk, kind="payment_received", channel="sms", to="+2348030000001", body="Paid.", status="delivered"
    )
    day = timezone.now() - timedelta(days=1)
    written = [
        ("pending", "sending", "attempt 1", day),
        ("sending", "sent", "locmem 42", day + timedelta(seconds=1)),
        ("sent", "delivered", "termii delivery report", day + timedelta(minutes=2)),
    ]
    MessageEvent = old.get_model("notifications", "MessageEvent")
    for from_status, to_status, note, when in written:
        MessageEvent.objects.create(
            message=message, from_status=from_status, to_status=to_status, note=note, created_at=when
        )

    migrate(MOVED)

    moved = OutboundMessage.objects.get(pk=message.pk).events.values_list(
        "from_status", "to_status", "actor", "note", "created_at"
    )
    assert list(moved) == [(f, t, None, note, when) for f, t, note, when in written]
    assert "notifications_messageevent" not in connection.introspection.table_names()


def test_payments_and_payouts_that_said_successful_or_paid_say_succeeded(migrate, engagement):
    old = migrate(BEFORE)
    ids = old_money(old, engagement)
    MoneyEvent = old.get_model("payments", "MoneyEvent")
    MoneyEvent.objects.create(kind="payment", object_id=ids["payment"], from_status="pending", to_status="successful")
    MoneyEvent.objects.create(kind="payout", object_id=ids["payout"], from_status="pending", to_status="paid")

    migrate()

    payment, payout = Payment.objects.get(pk=ids["payment"]), Payout.objects.get(pk=ids["payout"])
    assert (payment.status, payment.get_status_display()) == ("succeeded", "Paid")
    assert (payout.status, payout.get_status_display()) == ("succeeded", "Paid")
    assert list(payment.events.values_list("from_status", "to_status")) == [("pending", "succeeded")]
    assert list(payout.events.values_list("from_status", "to_status")) == [("pending", "succeeded")]
    assert Refund.objects.get(pk=ids["refund"]).status == "succeeded"
    assert Escrow.objects.get(pk=ids["escrow"]).status == "held"
    with pytest.raises(IntegrityError):  # still one paid payment per engagement, under the new word
        Payment.objects.create(
            engagement=engagement,
            student=engagement.student,
            gateway="paystack",
            reference="EH-P1-again",
            amount=engagement.amount,
            currency=engagement.currency,
            status=Payment.Status.SUCCEEDED,
        )
