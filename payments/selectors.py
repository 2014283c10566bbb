"""Reads for money pages: what an engagement's parties see, a tutor's statement, staff totals."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from accounts.models import User
from engagements.models import Engagement
from payments.models import Account, Discrepancy, Escrow, LedgerEntry, Payment, Payout, ReconciliationRun, Refund

STATEMENT_WORDS = {
    "released": "Released from escrow",
    "split": "Released from escrow (split)",
    "payout": "Payout requested",
    "payout_paid": "Payout paid to your bank",
    "payout_failed": "Payout failed, returned to your balance",
    "payout_reversed": "Payout returned by the bank",
}


@dataclass
class EngagementMoney:
    escrow: Escrow | None
    last_attempt: Payment | None
    refunds: list[Refund]


def engagement_money(engagement: Engagement) -> EngagementMoney:
    """What the student and tutor see about the engagement's money (the view has checked access)."""
    escrow = Escrow.objects.filter(engagement=engagement).first()
    return EngagementMoney(
        escrow=escrow,
        last_attempt=engagement.payments.order_by("-created_at", "-id").first(),
        refunds=list(Refund.objects.filter(payment__engagement=engagement).order_by("created_at")),
    )


def statement_for(tutor: User, *, currency: str) -> list[dict]:
    """Every movement of the tutor's available balance, newest first (payouts show their own status)."""
    entries = (
        LedgerEntry.objects.filter(user=tutor, currency=currency, account=Account.TUTOR_AVAILABLE)
        .select_related("transaction", "transaction__engagement__question")
        .order_by("-created_at", "-id")[:200]
    )
    return [
        {
            "when": entry.created_at,
            "what": STATEMENT_WORDS.get(entry.transaction.kind, entry.transaction.description),
            "account": entry.get_account_display(),
            "engagement": entry.transaction.engagement,
            "amount": entry.amount,
        }
        for entry in entries
    ]


def staff_summary() -> dict:
    return {
        "payments": Payment.objects.aggregate(
            pending=Count("id", filter=Q(status=Payment.Status.PENDING)),
            succeeded=Count("id", filter=Q(status=Payment.Status.SUCCEEDED)),
        ),
        "refunds_pending": Refund.objects.filter(status__in=[Refund.Status.PENDING, Refund.Status.FAILED]).count(),
        "payouts_pending": Payout.objects.filter(status=Payout.Status.PENDING).count(),
        "held": list(Escrow.objects.filter(status=Escrow.Status.HELD).values("currency").annotate(total=Sum("amount"))),
        "revenue": _account_totals(Account.PLATFORM_REVENUE),
        "refunds_owed": _account_totals(Account.REFUNDS_OWED),
        "frozen": _account_totals(Account.CHARGEBACK_FROZEN),
    }


def _account_totals(account: str) -> list[dict]:
    rows = LedgerEntry.objects.filter(account=account).values("currency").annotate(total=Sum("amount"))
    return [{"currency": row["currency"], "total": row["total"]} for row in rows.order_by("currency") if row["total"]]


@dataclass
class DifferenceClass:
    kind: str
    label: str
    rule: str
    rows: list[dict]  # per currency and state: count and amount


def reconciliation_overview() -> dict:
    """What the staff reconciliation page shows, all from stored rows: no gateway is called."""
    grouped = (
        Discrepancy.objects.values("kind", "currency", "state")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("kind", "currency", "state")
    )
    classes: dict[str, DifferenceClass] = {}
    for row in grouped:
        kind = Discrepancy.Kind(row["kind"])
        found = classes.setdefault(kind, DifferenceClass(kind, kind.label, Discrepancy.RULES[kind], []))
        found.rows.append({**row, "state_label": Discrepancy.State(row["state"]).label})
    waiting = Discrepancy.objects.filter(state=Discrepancy.State.NEEDS_STAFF).select_related(
        "payment__engagement", "payout"
    )
    return {
        "runs": list(ReconciliationRun.objects.select_related("requested_by")[:5]),
        "classes": list(classes.values()),
        "waiting": list(waiting.order_by("found_at", "id")[:100]),
        "waiting_count": waiting.count(),
    }
