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
        Status.FAILED: {Status.SUCCEEDED, Status.DUPLICATE},
        Status.CANCELLED: {Status.SUCCEEDED, Status.DUPLICATE},
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

    TRANSITIONS = {Status.PENDING: {Status.SUCCEEDED, Status.FAILED}}
    STATUS_NOUN = "payout"

    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="payouts")
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=64, unique=True)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway_id = models.CharField(max_length=64, blank=True)
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

    gateway = models.CharField(max_length=20)
    dedupe_key = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=60)
    reference = models.CharField(max_length=64, blank=True)
    gateway_object_id = models.CharField(max_length=64, blank=True)
    body = models.TextField(help_text="The raw body, as signed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    note = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.reference}"


# --- Ledger ---------------------------------------------------------------------------------


class Account(models.TextChoices):
    STUDENT_FUNDING = "student_funding", "Student funding"
    ESCROW = "escrow", "Escrow"
    TUTOR_AVAILABLE = "tutor_available", "Tutor available"
    TUTOR_PAYOUT_IN_FLIGHT = "tutor_in_flight", "Tutor payout in flight"
    TUTOR_PAID_OUT = "tutor_paid_out", "Tutor paid out"
    PLATFORM_REVENUE = "platform_revenue", "Platform revenue"
    GATEWAY_FEES = "gateway_fees", "Gateway fees"


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
