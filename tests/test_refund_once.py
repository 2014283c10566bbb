"""A refund reaches the gateway once, even when the request that carried it timed out after the gateway
accepted it: the next try finds it in the gateway's list of refunds instead of sending it again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bidding import services as bid_services
from engagements import services as engagement_services
from payments import ledger, services
from payments.gateways import get_gateway
from payments.models import Account, Payment, Refund
from payments.sandbox.core import inject_fault
from payments.sandbox.models import SandboxCharge, SandboxRefund
from questions import services as question_services
from tests.conftest import in_hours, pdf
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db

SPLIT = 150_000  # ₦1,500 of the ₦4,000 held goes back to Ada


@pytest.fixture(params=["flutterwave", "paystack"])
def gateway(request, settings):
    settings.PAYMENT_GATEWAY = request.param
    return request.param


@pytest.fixture
def disputed(gateway, delivered, ada):
    """Ada paid through `gateway`, Bola delivered, Ada disputes the work."""
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Half of it is missing")
    return delivered


@pytest.fixture
def split(staff, django_capture_on_commit_callbacks):
    """Staff split a dispute; the refund is sent to the gateway right after, as in production."""

    def resolve(engagement, amount=SPLIT):
        with django_capture_on_commit_callbacks(execute=True):
            services.resolve_dispute(
                engagement=engagement, by=staff, outcome="split", refund_amount=amount, note="half done"
            )
        return Refund.objects.get(payment__engagement=engagement)

    return resolve


def later(minutes: int = 20):
    return timezone.now() + timedelta(minutes=minutes)


def held_by_gateway(engagement) -> list[int]:
    """The refunds the gateway holds for the engagement's payment, as amounts."""
    reference = Payment.objects.get(engagement=engagement, status=Payment.Status.SUCCEEDED).reference
    return [made.amount for made in SandboxRefund.objects.filter(charge__reference=reference).order_by("id")]


def assert_refunded_once(client, engagement, refund):
    """What the people involved see: one refund, done, and the books moved the money once."""
    refund.refresh_from_db()
    assert held_by_gateway(engagement) == [SPLIT]
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.gateway_id == str(SandboxRefund.objects.get(charge__reference=refund.payment.reference).pk)
    client.force_login(engagement.student)
    page = client.get(engagement.get_absolute_url()).text
    assert page.count("Refund of ₦1,500") == 1
    assert 'Refund of ₦1,500: <span class="status status-refund-succeeded">Refunded</span>' in page
    assert ledger.balance(account=Account.STUDENT_FUNDING, currency="NGN", user=engagement.student) == -250_000
    assert ledger.balance(account=Account.TUTOR_AVAILABLE, currency="NGN", user=engagement.tutor) == 200_000
    assert ledger.totals_by_currency() == {"NGN": 0}


def test_a_split_refund_accepted_but_timed_out_is_found_by_reconciliation_not_sent_twice(
    client, gateway, disputed, split
):
    inject_fault(gateway=gateway, operation="refund", mode="timeout")

    refund = split(disputed)
    assert refund.status == Refund.Status.PENDING and not refund.gateway_id  # we never heard back
    assert held_by_gateway(disputed) == [SPLIT]  # but the gateway took it

    services.reconcile(now=later())

    assert_refunded_once(client, disputed, refund)


def test_sending_a_timed_out_refund_again_adopts_the_one_the_gateway_has(client, gateway, disputed, split):
    inject_fault(gateway=gateway, operation="refund", mode="timeout")
    refund = split(disputed)

    services.send_refund(refund_id=refund.pk)
    services.send_refund(refund_id=refund.pk)

    assert_refunded_once(client, disputed, refund)
    assert "found at the gateway" in refund.events.last().note


def test_a_full_refund_that_timed_out_is_not_marked_failed_when_the_gateway_has_it(
    client, gateway, funded, bola, django_capture_on_commit_callbacks
):
    inject_fault(gateway=gateway, operation="refund", mode="timeout")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_and_refund(engagement=funded, by=bola, reason="I can't do it")

    services.reconcile(now=later())

    refund = Refund.objects.get()
    assert held_by_gateway(funded) == [400_000]
    assert refund.status == Refund.Status.SUCCEEDED  # sent again, the gateway would refuse it: "failed"


def test_staff_retry_whose_request_timed_out_is_found_not_sent_twice(
    client, gateway, disputed, split, staff, django_capture_on_commit_callbacks
):
    SandboxCharge.objects.update(status="pending")  # under review at the gateway: refunds are refused
    refund = split(disputed)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    SandboxCharge.objects.update(status="successful" if gateway == "flutterwave" else "success")
    inject_fault(gateway=gateway, operation="refund", mode="timeout")

    with django_capture_on_commit_callbacks(execute=True):
        services.retry_refund(refund=refund, by=staff)  # accepted by the gateway, but we never hear back
    services.reconcile(now=later())

    assert_refunded_once(client, disputed, refund)


def test_staff_retry_of_a_refund_the_gateway_failed_asks_for_a_new_one(
    client, gateway, disputed, split, staff, django_capture_on_commit_callbacks
):
    refund = split(disputed)
    # Later the card issuer turned it down, and the gateway said so.
    SandboxRefund.objects.update(status="failed")
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.FAILED, failure_reason="declined")
    refund.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        services.retry_refund(refund=refund, by=staff)

    refund.refresh_from_db()
    new = SandboxRefund.objects.exclude(status="failed").get()
    assert held_by_gateway(disputed) == [SPLIT, SPLIT]  # the failed one returned nothing
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.gateway_id == str(new.pk)
    assert ledger.balance(account=Account.STUDENT_FUNDING, currency="NGN", user=disputed.student) == -250_000


def test_a_request_that_never_reached_the_gateway_is_sent_again_once(client, gateway, disputed, split):
    inject_fault(gateway=gateway, operation="refund", mode="lost")
    refund = split(disputed)
    assert held_by_gateway(disputed) == []

    services.send_refund(refund_id=refund.pk)  # moments later: it may still be on its way, so nothing is sent
    assert held_by_gateway(disputed) == []
    services.reconcile(now=later())

    assert_refunded_once(client, disputed, refund)
    refund.refresh_from_db()
    assert refund.attempts == 2


@pytest.mark.parametrize(("fault", "reached"), [("timeout", [SPLIT]), ("lost", [])])
def test_equal_split_refunds_of_two_payments_never_adopt_each_others(
    client, gateway, disputed, split, ada, bola, maths, sss3, fault, reached
):
    first = split(disputed)
    assert first.status == Refund.Status.SUCCEEDED
    other = second_disputed_engagement(ada, bola, maths, sss3)
    inject_fault(gateway=gateway, operation="refund", mode=fault)
    second = split(other)
    assert held_by_gateway(other) == reached

    services.reconcile(now=later())

    second.refresh_from_db()
    assert held_by_gateway(disputed) == [SPLIT]
    assert held_by_gateway(other) == [SPLIT]
    assert second.status == Refund.Status.SUCCEEDED
    assert second.gateway_id == str(SandboxRefund.objects.get(charge__reference=second.payment.reference).pk)
    assert second.gateway_id != first.gateway_id
    assert ledger.balance(account=Account.STUDENT_FUNDING, currency="NGN", user=ada) == -500_000


def second_disputed_engagement(ada, bola, maths, sss3):
    question = question_services.post_question(
        student=ada,
        title="Differentiate a product",
        body="What is the derivative of x sin x?",
        subject=maths,
        level=sss3,
        deadline=in_hours(48),
        budget=500_000,
        currency="NGN",
        files=[pdf()],
    )
    bid = bid_services.place_bid(
        question=question, tutor=bola, amount=400_000, message="Product rule, step by step.", delivery_hours=12
    )
    engagement = engagement_services.accept_bid(bid=bid, by=ada)
    pay_in_sandbox(engagement)
    engagement.refresh_from_db()
    engagement_services.deliver_work(
        engagement=engagement, by=bola, message="sin x + x cos x.", files=[pdf("answer.pdf")]
    )
    engagement_services.open_dispute(engagement=engagement, by=ada, reason="No working shown")
    engagement.refresh_from_db()
    return engagement


@pytest.mark.parametrize("name", ["flutterwave", "paystack"])
def test_both_adapters_list_only_the_payments_refunds_every_page_of_them(name):
    ours, theirs = (
        SandboxCharge.objects.create(
            gateway=name,
            reference=f"EH-pay-{n}",
            amount=400_000,
            paid_amount=400_000,
            currency="NGN",
            email="ada@example.com",
            redirect_url="https://example.com/back",
            webhook_url="https://example.com/hook",
            status="successful" if name == "flutterwave" else "success",
        )
        for n in (1, 2)
    )
    for _ in range(25):  # more than one page of Flutterwave's list
        SandboxRefund.objects.create(charge=ours, amount=1_000)
    SandboxRefund.objects.create(charge=theirs, amount=1_000)

    listed = get_gateway(name).list_refunds(
        reference=ours.reference, gateway_id=str(ours.pk), currency="NGN", since=timezone.now().date()
    )

    assert len(listed) == 25
    assert {(found.amount, found.currency) for found in listed} == {(1_000, "NGN")}
    assert {int(found.gateway_id) for found in listed} == set(ours.refunds.values_list("pk", flat=True))
