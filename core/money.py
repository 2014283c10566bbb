"""Money as integers in minor units (kobo, cents) plus an ISO 4217 code. Never floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Digits after the decimal point, per currency we accept.
MINOR_DIGITS = {"NGN": 2, "GHS": 2, "KES": 2, "ZAR": 2, "USD": 2, "GBP": 2, "EUR": 2, "XOF": 0, "UGX": 0}
SYMBOLS = {"NGN": "₦", "GHS": "GH₵", "KES": "KSh ", "ZAR": "R", "USD": "$", "GBP": "£", "EUR": "€"}

INVALID_AMOUNT = "Enter an amount like 5000 or 5,000.50."
TOO_MANY_DECIMALS = "{currency} amounts have at most {digits} digits after the point."


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
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def major_text(amount: int, currency: str) -> str:
    """500050 NGN -> '5000.5', for a form field a user edits."""
    text = f"{to_major(amount, currency):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
