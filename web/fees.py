"""The platform's commission on one price, for the pages that show it before anyone commits: the bid
form, the student's page before paying, the tutor's engagement and earnings pages.

The rule is `payments.services.commission_for`; static/js/site.js mirrors it on the bid form from the
data attributes `fee_rule()` gives, so the figure a tutor sees while typing is the one they are paid.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from core.money import MINOR_DIGITS, currency_rules, format_money
from payments.services import commission_for


@dataclass(frozen=True)
class Fee:
    price: int
    commission: int
    currency: str

    @property
    def to_tutor(self) -> int:
        return self.price - self.commission


def fee_for(price: int, currency: str) -> Fee:
    return Fee(price=price, commission=commission_for(price, currency), currency=currency)


def rate_text() -> str:
    """1500 basis points -> '15%'; 1250 -> '12.5%'."""
    return f"{Decimal(settings.COMMISSION_RATE_BPS) / 100:f}".rstrip("0").rstrip(".") + "%"


def rule_text(currency: str) -> str:
    minimum = currency_rules(currency).commission_min
    at_least = f", at least {format_money(minimum, currency)}" if minimum else ""
    return (
        f"The platform fee is {rate_text()} of your price{at_least}. "
        "You receive the rest when the student approves your work."
    )


def fee_rule(currency: str) -> dict[str, str | int]:
    """What the bid form's script needs to work the fee out as the tutor types."""
    rules = currency_rules(currency)
    return {
        "rate_bps": settings.COMMISSION_RATE_BPS,
        "minimum": rules.commission_min,
        "digits": MINOR_DIGITS.get(currency, 2),
        "symbol": rules.symbol,
        "currency": currency,
    }
