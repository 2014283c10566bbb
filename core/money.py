"""Money as integers in minor units (kobo, cents) plus an ISO 4217 code. Never floats.

What the site's rules say per currency (minimums, symbol, gateway...) is the CURRENCIES setting,
read through currency_rules().
"""

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings

# Digits after the decimal point (ISO 4217), for the currencies the gateways (and so our sandbox) take.
MINOR_DIGITS = {"NGN": 2, "GHS": 2, "KES": 2, "ZAR": 2, "USD": 2, "GBP": 2, "EUR": 2, "XOF": 0, "UGX": 0}

INVALID_AMOUNT = "Enter an amount like 5000 or 5,000.50."
TOO_MANY_DECIMALS = "{currency} amounts have at most {digits} digits after the point."


@dataclass(frozen=True)
class CurrencyRules:
    """One row of the CURRENCIES setting; amounts in minor units. The defaults hold for a currency it does not list."""

    code: str
    symbol: str = ""  # none: amounts read "5,000 XOF"
    min_bid: int = 1  # the smallest bid, and the smallest budget a question may offer
    commission_min: int = 0  # the platform's smallest cut of a payment
    min_payout: int = 0
    bank_country: str = "NG"  # whose banks a tutor picks from for payouts in this currency
    bank_payouts: bool = True  # the gateway can pay a tutor's bank account in this currency
    gateway: str = ""  # takes the payments and sends the payouts (unset in the table: settings.PAYMENT_GATEWAY)
    offered: bool = False  # a question can be posted in it


def currency_rules(code: str) -> CurrencyRules:
    row: dict[str, Any] = settings.CURRENCIES.get(code, {})
    rules = CurrencyRules(code=code, **row)
    return rules if rules.gateway else replace(rules, gateway=settings.PAYMENT_GATEWAY)


def offered_currencies() -> list[str]:
    """The currencies a question can be posted in, in the order menus list them."""
    return [code for code, rules in settings.CURRENCIES.items() if rules.get("offered")]


def to_minor(text: str | Decimal | int, currency: str) -> int:
    """'5,000.50' NGN -> 500050. Raises ValueError with a message a user can act on."""
    digits = MINOR_DIGITS[currency]
    try:
        value = Decimal(str(text).replace(",", "").replace(" ", "").strip())
    except InvalidOperation:
        raise ValueError(INVALID_AMOUNT) from None
    if not value.is_finite():
        raise ValueError(INVALID_AMOUNT)
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise ValueError(TOO_MANY_DECIMALS.format(currency=currency, digits=digits))
    return int(minor)


def to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-MINOR_DIGITS[currency])


def format_money(amount: int | None, currency: str) -> str:
    """500050 NGN -> '₦5,000.50'; whole amounts drop the '.00'; -500 -> '-₦5'."""
    if amount is None:
        return ""
    if amount < 0:
        return "-" + format_money(-amount, currency)  # the minus sign goes before the currency symbol
    digits = MINOR_DIGITS.get(currency, 2)
    major = Decimal(amount).scaleb(-digits)
    if major == major.to_integral_value():
        text = f"{major.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    else:
        text = f"{major:,.{digits}f}"
    symbol = currency_rules(currency).symbol
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def major_text(amount: int, currency: str) -> str:
    """500050 NGN -> '5000.5', for a form field a user edits."""
    text = f"{to_major(amount, currency):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
