"""Escrow leaves once: released to the tutor less commission, refunded to the student, or split by staff."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from engagements import services as engagement_services
from engagements.models import Engagement
from payments import ledger, services
from payments.models import Account, Escrow, LedgerEntry, Payment, Refund

pytestmark = pytest.mark.django_db


def available(user) -> int:
    return ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=user)


def test_approval_releases_the_tutors_share_less_commission(client, ada, bola, delivered):
    client.force_login(ada)

    client.post(reverse("engagement_approve", args=[delivered.pk]), {"confirm": "on"})

    assert available(bola) == 340_000  # ₦4,000 less 15%
    assert ledger.balance(account=Account.PLATFORM_REVENUE, currency="NGN") == 60_000 - 5_600
    assert ledger.balance(account=Account.ESCROW, currency="NGN", engagement=delivered) == 0
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_the_tutor_sees_the_release_and_commission_on_the_engagement(client, bola, completed):
    client.force_login(bola)

    page = client.get(completed.get_absolute_url()).text

    assert "Released to the tutor: ₦3,400 (after ₦600 commission)" in page


@pytest.mark.parametrize(("amount", "commission"), [(100_000, 50_000), (400_000, 60_000), (30_000, 30_000)])
def test_commission_is_the_rate_with_a_fixed_minimum_never_more_than_the_amount(amount, commission):
    assert services.commission_for(amount, "NGN") == commission


def test_commission_rate_and_minimum_come_from_settings(settings):
    settings.COMMISSION_RATE_BPS = 1000
    settings.CURRENCIES = {**settings.CURRENCIES, "USD": {**settings.CURRENCIES["USD"], "commission_min": 200}}

    assert services.commission_for(10_000, "USD") == 1_000
    assert services.commission_for(1_000, "USD") == 200


def test_escrow_is_released_once(ada, delivered):
    services.approve_and_release(engagement=delivered, by=ada)

    with pytest.raises(ValidationError):
        services.approve_and_release(engagement=delivered, by=ada)

    assert LedgerEntry.objects.filter(account=Account.TUTOR_AVAILABLE).count() == 1


def test_the_tutor_cannot_release_the_money(client, bola, delivered):
    client.force_login(bola)

    page = client.post(reverse("engagement_approve", args=[delivered.pk]), follow=True)

    assert "Only the student on this engagement can do that." in page.text
    assert Escrow.objects.get().status == Escrow.Status.HELD


def test_cancelling_paid_work_refunds_the_student_through_the_gateway(
    client, bola, ada, funded, django_capture_on_commit_callbacks
):
    client.force_login(bola)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("engagement_cancel", args=[funded.pk]))

    client.force_login(ada)
    page = client.get(funded.get_absolute_url()).text
    assert "Refunded to the student: ₦4,000" in page
    assert 'Refund of ₦4,000: <span class="status status-refund-succeeded">Refunded</span>' in page
    assert Refund.objects.get().gateway_id
    assert ledger.balance(account=Account.STUDENT_FUNDING, currency="NGN", user=ada) == 0


def test_a_refund_the_gateway_refuses_can_be_retried_by_staff(
    client, bola, staff, funded, django_capture_on_commit_callbacks
):
    from payments.sandbox.core import inject_fault

    inject_fault(gateway="flutterwave", operation="refund", mode="error")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_and_refund(engagement=funded, by=bola, reason="I can't do it")
    services.reconcile(everything=True)  # the 500 was retried: now it succeeds
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_staff_split_a_dispute(client, ada, bola, staff, delivered, django_capture_on_commit_callbacks):
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Half of it is missing")
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("dispute_resolve", args=[delivered.pk]),
            {"outcome": "split", "refund_amount": "1,500", "note": "half done"},
            follow=True,
        )

    assert "Dispute resolved" in page.text
    assert "Split: ₦1,500 back to the student, ₦2,000 to the tutor (after ₦500 commission)" in page.text
    assert available(bola) == 200_000
    assert Refund.objects.get().amount == 150_000
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_a_split_must_leave_something_for_each_side(client, ada, staff, delivered):
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="wrong")
    client.force_login(staff)

    page = client.post(
        reverse("dispute_resolve", args=[delivered.pk]), {"outcome": "split", "refund_amount": "4000", "note": "x"}
    )

    assert page.status_code == 400
    assert "A split refunds part of the ₦4,000 held" in page.text
    assert Escrow.objects.get().status == Escrow.Status.HELD


def test_only_staff_open_the_dispute_page(client, ada, delivered):
    client.force_login(ada)

    assert client.get(reverse("dispute_resolve", args=[delivered.pk])).status_code == 404


def test_auto_approval_pays_the_tutor(bola, delivered, settings):
    later = timezone.now() + timedelta(days=settings.AUTO_APPROVE_DAYS, minutes=1)

    assert services.process_deadlines(now=later)["auto_approved"] == 1

    assert available(bola) == 340_000


def test_an_unpaid_engagement_paid_at_the_last_minute_does_not_lapse(engagement):
    from tests.sandbox import start_paying

    client, checkout = start_paying(engagement)
    client.post(checkout, {"outcome": "pay", "webhook": "drop"})  # paid, but the student never came back
    Engagement.objects.filter(pk=engagement.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))

    done = services.process_deadlines()

    engagement.refresh_from_db()
    assert done["unpaid_cancelled"] == 0
    assert engagement.status == Engagement.Status.IN_PROGRESS


def test_the_process_deadlines_command_runs_through_payments(delivered, capsys):
    from django.core.management import call_command

    call_command("process_deadlines")

    assert "auto approved: 0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("model", "current", "new"),
    [
        (Escrow, "released", "refunded"),
        (Refund, "succeeded", "pending"),
        (Payment, "succeeded", "failed"),
    ],
)
def test_illegal_money_moves_are_refused(model, current, new):
    record = model(status=current)

    with pytest.raises(ValidationError, match="can't be done now"):
        record.move_to(new)


def test_every_escrow_move_is_in_the_history(ada, completed):
    escrow = Escrow.objects.get()

    assert [(e.from_status, e.to_status) for e in escrow.events.all()] == [("held", "released")]
    assert [(e.from_status, e.to_status) for e in escrow.payment.events.all()] == [("pending", "succeeded")]


def test_ledger_rows_cannot_be_changed_or_deleted(completed):
    entry = LedgerEntry.objects.first()
    entry.amount = 1

    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
