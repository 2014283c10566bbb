"""Whatever happens, in any order, money is conserved: every currency's entries sum to zero, nobody's
available balance goes negative, and escrow holds either the whole price or nothing."""

import contextlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bidding import services as bid_services
from engagements import services as engagement_services
from payments import ledger, services
from payments.gateways.base import TransferResult, Verification
from payments.models import Account, BankAccount, Escrow
from payments.services.checkout import _new_payment
from questions import services as question_services
from tests.conftest import in_hours

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("approve")),
        st.tuples(st.just("cancel")),
        st.tuples(st.just("split"), st.integers(min_value=1, max_value=399_999)),
        st.tuples(st.just("payout"), st.integers(min_value=100_000, max_value=500_000), st.booleans()),
        st.tuples(st.just("duplicate")),
    ),
    max_size=6,
)


def funded_engagement(ada, bola, maths, sss3):
    question = question_services.post_question(
        student=ada,
        title="Property",
        body="x",
        subject=maths,
        level=sss3,
        deadline=in_hours(48),
        budget=500_000,
        currency="NGN",
    )
    bid = bid_services.place_bid(question=question, tutor=bola, amount=400_000, message="m", delivery_hours=5)
    engagement = engagement_services.accept_bid(bid=bid, by=ada)
    pay(engagement, ada)
    engagement.refresh_from_db()
    return engagement


def pay(engagement, ada):
    payment = _new_payment(engagement=engagement, student=ada)
    said = Verification(
        reference=payment.reference, gateway_id="1", status="succeeded", amount=400_000, currency="NGN", fee=5_600
    )
    services.confirm_payment(payment=payment, verification=said)


def apply(op, engagement, ada, bola, staff, account):
    name = op[0]
    if name == "approve":
        engagement_services.deliver_work(engagement=engagement, by=bola, message="done")
        services.approve_and_release(engagement=engagement, by=ada)
    elif name == "cancel":
        services.cancel_and_refund(engagement=engagement, by=bola, reason="can't")
    elif name == "split":
        engagement_services.open_dispute(engagement=engagement, by=ada, reason="half")
        services.resolve_dispute(engagement=engagement, by=staff, outcome="split", refund_amount=op[1])
    elif name == "duplicate":
        pay(engagement, ada)
    else:
        payout = services.request_payout(tutor=bola, bank_account=account, amount=op[1])
        result = TransferResult(reference=payout.reference, gateway_id="9", status="succeeded" if op[2] else "failed")
        services.apply_transfer_result(payout=payout, result=result)


def assert_conserved(bola):
    assert all(total == 0 for total in ledger.totals_by_currency().values())
    assert ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=bola) >= 0
    for escrow in Escrow.objects.all():
        held = ledger.balance(account=Account.ESCROW, currency="NGN", engagement=escrow.engagement)
        assert held == (escrow.amount if escrow.status == Escrow.Status.HELD else 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_money_is_conserved_over_any_sequence_of_operations(ada, bola, staff, maths, sss3, operations):
    account, _ = BankAccount.objects.get_or_create(
        user=bola,
        bank_code="058",
        account_number="0123456780",
        defaults={"gateway": "flutterwave", "currency": "NGN", "bank_name": "GTB", "account_name": "BOLA"},
    )
    engagement = funded_engagement(ada, bola, maths, sss3)
    for op in operations:
        engagement.refresh_from_db()
        with contextlib.suppress(ValidationError, PermissionDenied):  # refused moves must change nothing
            apply(op, engagement, ada, bola, staff, account)
        assert_conserved(bola)
