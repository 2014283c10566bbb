"""The double-entry ledger: every movement is one balanced transaction with a unique key.

Balances are never stored: they are the sum of an account's entries.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from accounts.models import User
from engagements.models import Engagement
from payments.models import Account, LedgerEntry, LedgerTransaction


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int
    user: User | None = None
    engagement: Engagement | None = None


class Unbalanced(ValueError):
    pass


def post(
    *, key: str, kind: str, currency: str, legs: list[Leg], description: str, engagement: Engagement | None = None
) -> LedgerTransaction | None:
    """Write one balanced transaction; None when the key was already posted (a retry)."""
    legs = [leg for leg in legs if leg.amount]
    if sum(leg.amount for leg in legs) != 0 or not legs:
        raise Unbalanced(f"{key}: entries must sum to zero")
    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
        return None
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                idempotency_key=key, kind=kind, currency=currency, engagement=engagement, description=description
            )
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    transaction=txn,
                    account=leg.account,
                    user=leg.user,
                    engagement=leg.engagement,
                    amount=leg.amount,
                    currency=currency,
                    created_at=txn.created_at,
                )
                for leg in legs
            )
    except IntegrityError:
        if LedgerTransaction.objects.filter(idempotency_key=key).exists():
            return None  # a concurrent writer posted it first
        raise
    return txn


def balance(*, account: str, currency: str, user: User | None = None, engagement: Engagement | None = None) -> int:
    entries = LedgerEntry.objects.filter(account=account, currency=currency)
    if user is not None:
        entries = entries.filter(user=user)
    if engagement is not None:
        entries = entries.filter(engagement=engagement)
    return entries.balance()


def totals_by_currency() -> dict[str, int]:
    """Sum of every entry per currency: zero when the books balance."""
    rows = LedgerEntry.objects.values("currency").annotate(total=Sum("amount")).order_by("currency")
    return {row["currency"]: row["total"] for row in rows}


def tutor_balances(tutor: User) -> dict[str, dict[str, int]]:
    """Per currency: held in escrow for the tutor's work, available, on its way, paid out."""
    result: dict[str, dict[str, int]] = {}
    rows = (
        LedgerEntry.objects.filter(user=tutor, account__in=TUTOR_ACCOUNTS)
        .values("currency", "account")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        result.setdefault(row["currency"], empty_balances())[row["account"]] = row["total"]
    held = (
        LedgerEntry.objects.filter(account=Account.ESCROW, engagement__tutor=tutor)
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    for held_row in held:
        result.setdefault(held_row["currency"], empty_balances())["held"] = held_row["total"]
    return result


TUTOR_ACCOUNTS = [Account.TUTOR_AVAILABLE, Account.TUTOR_PAYOUT_IN_FLIGHT, Account.TUTOR_PAID_OUT]


def empty_balances() -> dict[str, int]:
    return {"held": 0, **{account.value: 0 for account in TUTOR_ACCOUNTS}}
