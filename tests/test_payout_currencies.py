"""Bola earned in US dollars, which the gateways cannot send to a bank: he is told so plainly, once and
for good, and what to do instead; a gateway that is merely down still says to try again shortly."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from payments import services
from payments.models import BankAccount
from payments.sandbox.core import inject_fault

pytestmark = pytest.mark.django_db

NOT_OFFERED = "Payouts to a bank account in USD are not available"
TRY_AGAIN = "try again in a minute"


def test_the_earnings_page_explains_there_are_no_usd_bank_payouts_and_offers_no_form(client, bola):
    client.force_login(bola)

    page = client.get(reverse("earnings"), {"currency": "USD"}).text

    assert NOT_OFFERED in page
    assert 'href="mailto:support@experthive.local"' in page  # what he can do instead
    assert TRY_AGAIN not in page
    assert "Add a bank account" not in page
    assert 'action="/earnings/payouts/"' not in page


@pytest.mark.parametrize("currency", ["USD", "GBP"])
def test_the_bank_account_page_for_such_a_currency_has_no_form_only_the_reason(client, bola, currency):
    client.force_login(bola)

    page = client.get(reverse("bank_account_new"), {"currency": currency})

    assert page.status_code == 200
    assert f"Payouts to a bank account in {currency} are not available" in page.text
    assert "Your " + currency + " earnings stay safe in your balance" in page.text
    assert 'name="account_number"' not in page.text
    assert TRY_AGAIN not in page.text


def test_posting_an_account_for_such_a_currency_is_refused_and_saves_nothing(client, bola):
    client.force_login(bola)
    fields = {"currency": "USD", "bank_code": "058", "account_number": "0123456780", "step": "save"}

    page = client.post(reverse("bank_account_new") + "?currency=USD", fields)

    assert page.status_code == 400
    assert NOT_OFFERED in page.text
    assert not BankAccount.objects.exists()


def test_the_services_refuse_usd_bank_payouts_with_the_same_reason(bola):
    with pytest.raises(ValidationError, match=NOT_OFFERED):
        services.resolve_bank_account(user=bola, currency="USD", bank_code="058", account_number="0123456780")
    saved_before = BankAccount.objects.create(
        user=bola, gateway="flutterwave", currency="USD", bank_code="1", bank_name="A bank", account_number="123456"
    )
    with pytest.raises(ValidationError, match=NOT_OFFERED):
        services.request_payout(tutor=bola, bank_account=saved_before, amount=1_000)


def test_a_gateway_that_is_down_is_still_a_try_again_message_not_the_permanent_one(client, bola):
    inject_fault(gateway="flutterwave", operation="banks", mode="error")
    client.force_login(bola)

    page = client.get(reverse("bank_account_new"), {"currency": "NGN"}).text

    assert "We couldn't load the list of banks just now. Please " + TRY_AGAIN in page
    assert "not available" not in page
    assert 'name="account_number"' in page
