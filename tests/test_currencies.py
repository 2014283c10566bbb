"""Per-currency rules come from one table, settings.CURRENCIES; the environment still adjusts it."""

import json
import os
import subprocess
import sys

from core.money import currency_rules, format_money, offered_currencies


def test_a_currency_has_its_symbol_minimums_and_bank_country():
    naira = currency_rules("NGN")

    assert (naira.symbol, naira.min_bid, naira.commission_min, naira.min_payout) == ("₦", 100_000, 50_000, 100_000)
    assert naira.bank_country == "NG"
    assert format_money(100_000, "NGN") == "₦1,000"


def test_questions_can_be_posted_in_every_listed_currency_in_menu_order():
    assert offered_currencies() == ["NGN", "USD", "GBP", "GHS", "KES", "ZAR"]


def test_a_currency_without_a_gateway_of_its_own_uses_the_sites(settings):
    settings.PAYMENT_GATEWAY = "paystack"

    assert currency_rules("GHS").gateway == "paystack"


def test_a_currency_the_table_does_not_list_gets_the_defaults():
    rules = currency_rules("XOF")

    assert (rules.min_bid, rules.commission_min, rules.min_payout, rules.offered) == (1, 0, 0, False)
    assert format_money(5_000, "XOF") == "5,000 XOF"


def test_the_environment_picks_the_currencies_on_offer_and_overrides_gateway_and_commission():
    env = {
        "CURRENCIES": "GHS,NGN",
        "PAYMENT_GATEWAY_BY_CURRENCY": "GHS:paystack",
        "COMMISSION_MIN": "NGN:70000,XOF:10",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from core.money import currency_rules as r, offered_currencies;"
            " print(json.dumps([offered_currencies(), r('GHS').gateway, r('NGN').commission_min, "
            "r('XOF').commission_min, r('USD').min_payout, r('USD').offered]))",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "experthive.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    # USD is no longer offered, but money already held in it keeps its rules.
    assert json.loads(result.stdout) == [["GHS", "NGN"], "paystack", 70_000, 10, 1_000, False]
