from django import template
from django.forms import Form

from core.money import to_minor
from web.fees import fee_for, fee_rule, rule_text

register = template.Library()


@register.inclusion_tag("bids/_fee.html")
def bid_fee(form: Form) -> dict:
    """The fee box under a bid form's price: the figures for the amount typed (or the one being edited),
    the rule itself while there is no valid amount."""
    currency = form.currency  # type: ignore[attr-defined]
    try:
        amount = to_minor(form["amount"].value() or "", currency)
    except ValueError:
        amount = 0
    return {
        "fee": fee_for(amount, currency) if amount > 0 else None,
        "rule": fee_rule(currency),
        "rule_text": rule_text(currency),
        "amount_id": form["amount"].auto_id,
    }
