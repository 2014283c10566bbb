"""Differences between our books and a gateway's, each of a named class, recorded once per object.

Each rule that settles a difference on its own (a late capture applied or refunded, an overpayment's
excess refunded, a reversed payout returned to the tutor) records it as settled, so staff can see it
happened; a difference no rule can settle (a refund the gateway refuses, a chargeback, money the books
don't know) waits for staff, and is logged as an error so it reaches the error tracker too.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.money import format_money
from payments.models import Discrepancy, Payment, Payout

log = logging.getLogger("payments.reconcile")

ONLY_STAFF = "Only staff resolve reconciliation differences."
NOTHING_TO_RESOLVE = "This difference does not wait for staff."
SAY_WHAT_YOU_DID = "Say what you did about it, for the next person who reads this."


def record(
    *,
    kind: str,
    key: str,
    gateway: str,
    settled: bool,
    note: str,
    amount: int = 0,
    currency: str = "",
    payment: Payment | None = None,
    payout: Payout | None = None,
) -> Discrepancy:
    """Record the difference once; seen again, the row stays as it is (its state may have moved on)."""
    state = Discrepancy.State.SETTLED if settled else Discrepancy.State.NEEDS_STAFF
    fields = {
        "gateway": gateway,
        "state": state,
        "amount": amount,
        "currency": currency,
        "payment": payment,
        "payout": payout,
        "note": note[:300],
    }
    try:
        with transaction.atomic():
            found, created = Discrepancy.objects.get_or_create(kind=kind, key=key[:120], defaults=fields)
    except IntegrityError:  # recorded by a concurrent run a moment ago
        return Discrepancy.objects.get(kind=kind, key=key[:120])
    if created and not settled:
        shown = format_money(amount, currency) if currency else ""
        log.error("Reconciliation needs staff: %s %s %s: %s", found.get_kind_display(), key, shown, note)
    return found


def settle_by_rule(*, kind: str, key: str, note: str) -> None:
    """A difference that waited for staff was settled by the system after all (e.g. a refund sent again)."""
    Discrepancy.objects.filter(kind=kind, key=key[:120], state=Discrepancy.State.NEEDS_STAFF).update(
        state=Discrepancy.State.SETTLED, note=note[:300], resolved_at=timezone.now()
    )


@transaction.atomic
def resolve_discrepancy(*, discrepancy: Discrepancy, by: User, note: str) -> Discrepancy:
    """Staff say what they did about a difference no rule could settle; the note stays with it."""
    if not by.is_staff:
        raise PermissionDenied(ONLY_STAFF)
    note = note.strip()
    if not note:
        raise ValidationError({"note": SAY_WHAT_YOU_DID})
    discrepancy = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    if discrepancy.state != Discrepancy.State.NEEDS_STAFF:
        raise ValidationError(NOTHING_TO_RESOLVE, code="not_open")
    discrepancy.state = Discrepancy.State.RESOLVED
    discrepancy.note = f"{note} (was: {discrepancy.note})"[:300]
    discrepancy.resolved_by, discrepancy.resolved_at = by, timezone.now()
    discrepancy.save()
    return discrepancy
