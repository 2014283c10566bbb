"""A reason quoted inside one of our sentences never leaves a doubled full stop ("refunded.. Try again")."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications import sms
from notifications.models import Notification
from payments import services
from payments.gateways.base import TransferResult
from tests.notifications.helpers import verify_phone
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db

DOUBLED_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")  # two full stops; an ellipsis ("...") is fine


def test_an_underpayment_is_explained_with_one_full_stop(engagement):
    page = pay_in_sandbox(engagement, outcome="underpay")

    assert "the money is being refunded. Try again." in page.text  # the flash
    assert "the money is being refunded. Nothing was kept" in page.text  # the engagement's payment box
    assert not DOUBLED_STOP.search(page.text)


def test_a_bank_reason_ending_in_a_full_stop_reads_well_everywhere(
    client, bola, completed, django_capture_on_commit_callbacks
):
    verify_phone(bola)
    account = services.add_bank_account(user=bola, currency="NGN", bank_code="058", account_number="0123456780")
    with django_capture_on_commit_callbacks(execute=False):  # the transfer is not sent: the bank answers below
        payout = services.request_payout(tutor=bola, bank_account=account, amount=100_000)
    failed = TransferResult(reference=payout.reference, gateway_id="1", status="failed", message="Account is dormant.")

    with django_capture_on_commit_callbacks(execute=True):
        services.apply_transfer_result(payout=payout, result=failed)

    text = sms.outbox[-1].body
    assert "failed (Account is dormant). Check your bank details" in text
    client.force_login(bola)
    page = client.get(reverse("earnings")).text
    assert "Account is dormant." in page
    note = Notification.objects.get(user=bola, kind="payout_failed")
    for shown in (text, page, note.title, mail.outbox[-1].body):
        assert not DOUBLED_STOP.search(shown), shown
