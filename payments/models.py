"""Money records: payments taken, escrow held, refunds, tutor bank accounts and payouts, the ledger,
and the gateways' webhooks as received. Amounts are integers in minor units with an ISO currency."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from core.states import Stateful, StatusHistory
from engagements.models import Engagement


def new_reference(prefix: str) -> str:
    """Our reference for a gateway call: unique, unguessable, safe in a URL."""
    return f"EH-{prefix}-{secrets.token_hex(8)}"


class Payment(Stateful, models.Model):
    """One attempt to take the engagement's price through a gateway's hosted checkout."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the gateway"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        DUPLICATE = "duplicate", "Paid twice, refunded"

    TRANSITIONS = {
        # Verification is the truth: a checkout cancelled or failed on our side may still be paid later.
        Status.PENDING: {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.DUPLICATE},
        # ...and paid less, in another currency, or twice (FAILED: returned as unusable).
        Status.FAILED: {Status.SUCCEEDED, Status.DUPLICATE},
        Status.CANCELLED: {Status.SUCCEEDED, Status.DUPLICATE, Status.FAILED},
    }
    STATUS_NOUN = "payment"

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="payments")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=64, unique=True)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    checkout_url = models.URLField(max_length=500, blank=True)
    gateway_id = models.CharField(max_length=64, blank=True, help_text="The gateway's own transaction id.")
    fee = models.PositiveBigIntegerField(default=0, help_text="What the gateway kept, in minor units.")
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    # The last comparison with the gateway that found it in the gateway's list (missing ones are flagged).
    seen_in_run = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement"], condition=Q(status="succeeded"), name="one_succeeded_payment_per_engagement"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_idx")]

    def __str__(self) -> str:
        return self.reference


class PaymentEvent(StatusHistory):
    """Append-only history of a payment's status."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")


class Escrow(Stateful, models.Model):
    """The verified payment held for the engagement until it is released, refunded or split."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        RELEASED = "released", "Released to the tutor"
        REFUNDED = "refunded", "Refunded to the student"
        SPLIT = "split", "Split between the two"

    TRANSITIONS = {Status.HELD: {Status.RELEASED, Status.REFUNDED, Status.SPLIT}}
    STATUS_NOUN = "escrow"

    engagement = models.OneToOneField(Engagement, on_delete=models.PROTECT, related_name="escrow")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="escrow")
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    to_tutor = models.PositiveBigIntegerField(default=0, help_text="The tutor's share after commission.")
    commission = models.PositiveBigIntegerField(default=0)
    to_student = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "escrows"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="held")
                | Q(amount=models.F("to_tutor") + models.F("commission") + models.F("to_student")),
                name="escrow_settles_every_kobo",
            )
        ]

    def __str__(self) -> str:
        return f"Escrow for engagement {self.engagement_id}"


class EscrowEvent(StatusHistory):
    """Append-only history of an escrow's status."""

    escrow = models.ForeignKey(Escrow, on_delete=models.CASCADE, related_name="events")


class Refund(Stateful, models.Model):
    """Money sent back to the student's card or account through the gateway."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being sent"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed (staff will retry)"

    TRANSITIONS = {Status.PENDING: {Status.SUCCEEDED, Status.FAILED}, Status.FAILED: {Status.PENDING}}
    STATUS_NOUN = "refund"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    escrow = models.OneToOneField(Escrow, on_delete=models.PROTECT, null=True, blank=True, related_name="refund")
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway_id = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    # Neither gateway takes an idempotency key on refunds, so we remember that a request may have reached
    # them: before it is sent again, the gateway's own list of refunds for the payment is checked.
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Requests sent to the gateway.")
    sending_since = models.DateTimeField(
        null=True, blank=True, help_text="Set before a request goes out; cleared once the gateway answers it."
    )
    # Refunds booked since reconciliation against the gateway: the money waits in "refunds owed" (still at
    # the gateway) until the gateway confirms it, so a refused refund never reads as repaid. Older rows
    # booked it straight to the student.
    booked_as_owed = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # One gateway refund pays back one of our refunds, never two.
            models.UniqueConstraint(
                fields=["payment", "gateway_id"], condition=~Q(gateway_id=""), name="one_refund_per_gateway_refund"
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} of {self.payment}"


class RefundEvent(StatusHistory):
    """Append-only history of a refund's status."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="events")


class BankAccount(models.Model):
    """Where a tutor is paid: resolved to the holder's name with the gateway before it is saved."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_accounts")
    gateway = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    bank_code = models.CharField(max_length=20)
    bank_name = models.CharField(max_length=100)
    account_number = models.CharField(max_length=20)
    account_name = models.CharField(max_length=150, help_text="As the bank knows it.")
    recipient_code = models.CharField(max_length=64, blank=True, help_text="Gateways that need a saved recipient.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "bank_code", "account_number"], name="one_bank_account_each")
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} ••••{self.account_number[-4:]} ({self.account_name})"


class Payout(Stateful, models.Model):
    """A tutor's available balance sent to their bank account as a gateway transfer."""

    class Status(models.TextChoices):
        PENDING = "pending", "On its way"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Failed, returned to your balance"
        REVERSED = "reversed", "Returned by the bank, back in your balance"

    # A paid transfer can still come back (a closed account): the bank reverses it.
    TRANSITIONS = {
        Status.PENDING: {Status.SUCCEEDED, Status.FAILED, Status.REVERSED},
        Status.SUCCEEDED: {Status.REVERSED},
    }
    STATUS_NOUN = "payout"

    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="payouts")
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=64, unique=True)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway_id = models.CharField(max_length=64, blank=True)
    fee = models.PositiveBigIntegerField(default=0, help_text="The transfer fee the gateway charged us.")
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Set (and committed) before the first transfer request: after it, a refusal may only mean
    # "this reference exists", so it is never taken as the transfer having failed.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")]
        indexes = [models.Index(fields=["tutor", "-created_at"], name="payout_tutor_idx")]

    def __str__(self) -> str:
        return self.reference


class PayoutEvent(StatusHistory):
    """Append-only history of a payout's status."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="events")


class WebhookEvent(models.Model):
    """A gateway's notification exactly as it arrived; processed later by a task that re-verifies it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"
        MALFORMED = "malformed", "Malformed: kept for inspection"
        DEAD = "dead", "Gave up after retries: staff may replay"

    gateway = models.CharField(max_length=20)
    dedupe_key = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=60)
    reference = models.CharField(max_length=64, blank=True)
    gateway_object_id = models.CharField(max_length=64, blank=True)
    body = models.TextField(help_text="The raw body, as signed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    note = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times processing left it waiting.")
    received_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.reference}"


class Chargeback(models.Model):
    """A student disputed a card payment with their bank: the gateway freezes the amount until it is decided."""

    class Status(models.TextChoices):
        OPEN = "open", "Open: the amount is frozen"
        WON = "won", "Won: the money stays"
        LOST = "lost", "Lost: the money went back to the card"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="chargebacks")
    gateway = models.CharField(max_length=20)
    gateway_id = models.CharField(max_length=64)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_id"], name="one_chargeback_per_gateway_dispute")
        ]

    def __str__(self) -> str:
        return f"Chargeback {self.gateway_id} on {self.payment}"


class ReconciliationRun(models.Model):
    """One comparison of our books with the gateways' own records, run in the background; the staff
    page reads these rows and never calls a gateway itself."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped on an error"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    since = models.DateField()
    until = models.DateField()
    stage = models.CharField(max_length=100, blank=True, help_text="What it is reading now.")
    records_seen = models.PositiveIntegerField(default=0)
    differences = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Reconciliation {self.pk} ({self.status})"


class Discrepancy(models.Model):
    """A difference between our books and a gateway's, of a named class, with what was done about it.

    One row per class and gateway object (`key`), however many runs see it again."""

    class Kind(models.TextChoices):
        LATE_CAPTURE = "late_capture", "Paid on a checkout we had closed"
        OVERPAID = "overpaid", "Paid more than the price"
        UNDERPAID = "underpaid", "Paid less than the price"
        WRONG_CURRENCY = "wrong_currency", "Paid in another currency"
        REFUND_REFUSED = "refund_refused", "Refund refused by the gateway"
        REFUND_ELSEWHERE = "refund_elsewhere", "Refund made outside the site"
        TRANSFER_REVERSED = "transfer_reversed", "Payout reversed by the bank"
        CHARGEBACK = "chargeback", "Chargeback"
        FEE = "fee", "Gateway fee"
        UNKNOWN_CHARGE = "unknown_charge", "Payment the books don't know"
        UNKNOWN_TRANSFER = "unknown_transfer", "Transfer the books don't know"
        MISSING_AT_GATEWAY = "missing_at_gateway", "Paid in our books, not at the gateway"

    # What happens to each class, shown to staff beside its count.
    RULES = {
        Kind.LATE_CAPTURE: "Credited if the work still awaits payment, otherwise refunded in full.",
        Kind.OVERPAID: "The price is credited; what was paid over it is refunded.",
        Kind.UNDERPAID: "Not credited; refunded in full. The student can pay again.",
        Kind.WRONG_CURRENCY: "Not credited; refunded in full, in the currency paid.",
        Kind.REFUND_REFUSED: "The money stays held. Send the refund again, or pay the student another way.",
        Kind.REFUND_ELSEWHERE: "Booked against platform revenue. Check whether the engagement's escrow should change.",
        Kind.TRANSFER_REVERSED: "Returned to the tutor's available balance; the tutor is told.",
        Kind.CHARGEBACK: "The amount is frozen until the bank decides. Send evidence at the gateway.",
        Kind.FEE: "Booked to gateway fees.",
        Kind.UNKNOWN_CHARGE: "Find whose money it is at the gateway, then refund it there.",
        Kind.UNKNOWN_TRANSFER: "Find out at the gateway who sent it; lock the API keys if nobody here did.",
        Kind.MISSING_AT_GATEWAY: "Check the payment at the gateway before any of it is released.",
    }

    class State(models.TextChoices):
        SETTLED = "settled", "Settled by its rule"
        NEEDS_STAFF = "needs_staff", "Needs staff"
        RESOLVED = "resolved", "Resolved by staff"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120, help_text="The gateway object it is about, e.g. a reference.")
    gateway = models.CharField(max_length=20)
    state = models.CharField(max_length=12, choices=State.choices)
    amount = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "discrepancies"
        ordering = ["-found_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="one_discrepancy_per_object")]
        indexes = [models.Index(fields=["state", "kind"], name="discrepancy_state_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key}"

    def rule(self) -> str:
        return self.RULES[Discrepancy.Kind(self.kind)]


# --- Ledger ---------------------------------------------------------------------------------


class Account(models.TextChoices):
    STUDENT_FUNDING = "student_funding", "Student funding"
    ESCROW = "escrow", "Escrow"
    TUTOR_AVAILABLE = "tutor_available", "Tutor available"
    TUTOR_PAYOUT_IN_FLIGHT = "tutor_in_flight", "Tutor payout in flight"
    TUTOR_PAID_OUT = "tutor_paid_out", "Tutor paid out"
    PLATFORM_REVENUE = "platform_revenue", "Platform revenue"
    GATEWAY_FEES = "gateway_fees", "Gateway fees"
    REFUNDS_OWED = "refund_owed", "Refunds on their way"
    CHARGEBACK_FROZEN = "chargeback_frozen", "Frozen by chargebacks"
    CHARGEBACKS_LOST = "chargeback_lost", "Lost to chargebacks"


# Accounts whose money is still at the gateway: per currency, their sum is what the gateway must hold for
# us (captured, less refunded, transferred, fees and chargebacks lost). Every other account is money that
# came in or went out.
AT_GATEWAY = [
    Account.ESCROW,
    Account.REFUNDS_OWED,
    Account.TUTOR_AVAILABLE,
    Account.TUTOR_PAYOUT_IN_FLIGHT,
    Account.PLATFORM_REVENUE,
    Account.CHARGEBACK_FROZEN,
]


class AppendOnly(models.Model):
    """Rows that are written once and never changed or deleted, so history can't be rewritten."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Ledger rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger rows are append-only.")


class LedgerTransaction(AppendOnly):
    """One balanced movement of money: its entries sum to zero. The key makes a retry a no-op."""

    idempotency_key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=30)
    currency = models.CharField(max_length=3)
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.idempotency_key


class LedgerEntryQuerySet(models.QuerySet):
    def balance(self) -> int:
        return self.aggregate(total=Sum("amount"))["total"] or 0


class LedgerEntry(AppendOnly):
    """One side of a transaction. Positive means the account holds more."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(max_length=20, choices=Account.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["account", "user", "currency"], name="ledger_account_idx")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+} {self.currency}"
