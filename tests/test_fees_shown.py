"""The platform fee is shown before anyone commits: to the tutor on the bid form, to the student before
paying; the tutor's held and available amounts add up; a student's amounts add up to what they paid."""

import pytest
from django.urls import reverse

from engagements import services as engagement_services
from payments import services as payment_services
from tests.sandbox import pay_in_sandbox

pytestmark = pytest.mark.django_db


def test_the_bid_form_states_the_fee_rule_and_gives_it_to_the_script(client, bola, question):
    client.force_login(bola)

    page = client.get(question.get_absolute_url()).text

    assert "The platform fee is 15% of your price, at least ₦500. You receive the rest" in page
    assert 'data-fee-rate-bps="1500"' in page
    assert 'data-fee-minimum="50000"' in page
    assert 'data-currency-symbol="₦"' in page and 'data-currency-digits="2"' in page


def test_a_bid_sent_back_for_a_missing_message_shows_what_the_tutor_would_receive(client, bola, question):
    client.force_login(bola)

    page = client.post(reverse("bid_place", args=[question.pk]), {"amount": "4,000", "delivery_hours": 12})

    assert page.status_code == 400
    assert "You receive <strong>₦3,400</strong> after the ₦600 platform fee." in page.text


def test_the_minimum_fee_applies_to_a_small_bid(client, bola, question):
    client.force_login(bola)

    page = client.post(reverse("bid_place", args=[question.pk]), {"amount": "2000", "delivery_hours": 12})

    assert "You receive <strong>₦1,500</strong> after the ₦500 platform fee." in page.text


def test_an_amount_that_is_not_a_number_shows_the_rule_not_a_figure(client, bola, question):
    client.force_login(bola)

    page = client.post(reverse("bid_place", args=[question.pk]), {"amount": "four", "delivery_hours": 12}).text

    assert "The platform fee is 15% of your price" in page
    assert "You receive <strong>" not in page


def test_editing_a_bid_shows_the_fee_on_its_current_price(client, bola, bola_bid):
    client.force_login(bola)

    page = client.get(reverse("bid_edit", args=[bola_bid.pk])).text

    assert "You receive <strong>₦3,400</strong> after the ₦600 platform fee." in page


def test_the_rate_comes_from_settings(client, bola, question, settings):
    settings.COMMISSION_RATE_BPS = 1250
    client.force_login(bola)

    page = client.get(question.get_absolute_url()).text

    assert "The platform fee is 12.5% of your price" in page
    assert 'data-fee-rate-bps="1250"' in page


def test_the_student_sees_the_price_breakdown_before_paying(client, ada, engagement):
    client.force_login(ada)

    page = client.get(engagement.get_absolute_url()).text

    assert "Nothing is added to the price you accepted." in page
    assert "<dt>You pay</dt><dd>₦4,000</dd>" in page
    assert "<dt>Bola receives</dt><dd>₦3,400</dd>" in page
    assert "<dt>Platform fee, from the tutor's share</dt><dd>₦600</dd>" in page
    assert "held in escrow: it reaches the tutor only when you approve the work" in page


def test_the_tutor_sees_what_they_will_receive_before_and_after_payment(client, bola, engagement):
    client.force_login(bola)
    before = client.get(engagement.get_absolute_url()).text
    pay_in_sandbox(engagement)
    after = client.get(engagement.get_absolute_url()).text

    assert "You will receive ₦3,400 after the ₦600 platform fee." in before
    assert "Paid — held in escrow:</strong> ₦4,000." in after
    assert "you receive ₦3,400 after the ₦600 platform fee." in after


def test_earnings_show_the_fee_on_held_money_and_on_each_release(client, ada, bola, delivered):
    client.force_login(bola)
    held = client.get(reverse("earnings")).text
    payment_services.approve_and_release(engagement=delivered, by=ada)
    released = client.get(reverse("earnings")).text

    assert "Of the ₦4,000 held, the platform fee is ₦600: you receive <strong>₦3,400</strong>" in held
    assert "₦4,000 less the ₦600 platform fee" in released
    assert "<dt>Available</dt><dd>₦3,400</dd>" in released


def test_after_approval_the_student_sees_all_they_paid_released(client, ada, completed):
    client.force_login(ada)

    page = client.get(completed.get_absolute_url()).text

    assert "Released to the tutor: ₦4,000, all you paid" in page
    assert "the tutor receives ₦3,400 after the ₦600 platform fee" in page


def test_after_a_split_the_students_amounts_add_up_to_what_they_paid(client, ada, staff, delivered):
    engagement_services.open_dispute(engagement=delivered, by=ada, reason="Half done")
    payment_services.resolve_dispute(
        engagement=delivered, by=staff, outcome="split", refund_amount=100_000, note="Three quarters done."
    )
    client.force_login(ada)

    page = client.get(delivered.get_absolute_url()).text

    assert "₦1,000 back to you and ₦3,000 released to the tutor, the ₦4,000 you paid" in page
