"""What the local sandbox gateway remembers: charges, refunds, transfers, chargebacks, webhooks to send,
faults to inject.

It plays the provider's side, so it never imports the payments models or services."""

import secrets

from django.db import models
from django.utils import timezone


def token() -> str:
    return secrets.token_urlsafe(16)


class SandboxCharge(models.Model):
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=100)
    token = models.CharField(max_length=40, unique=True, default=token)
    amount = models.PositiveBigIntegerField(help_text="Asked for, minor units.")
    paid_amount = models.PositiveBigIntegerField(default=0)
    fee = models.PositiveBigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    email = models.EmailField()
    title = models.CharField(max_length=100, blank=True)
    redirect_url = models.URLField(max_length=500)
    webhook_url = models.URLField(max_length=500)
    status = models.CharField(max_length=20, default="pending")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gateway", "reference"], name="sandbox_charge_reference")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference}"


class SandboxRefund(models.Model):
    class Source(models.TextChoices):
        API = "api", "Asked for through the API"
        DASHBOARD = "dashboard", "Made on the provider's dashboard"

    charge = models.ForeignKey(SandboxCharge, on_delete=models.CASCADE, related_name="refunds")
    amount = models.PositiveBigIntegerField()
    status = models.CharField(max_length=20, default="completed")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.API)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Refund {self.pk}"


class SandboxTransfer(models.Model):
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=100)
    code = models.CharField(max_length=40, unique=True, default=token)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    bank_code = models.CharField(max_length=20)
    account_number = models.CharField(max_length=20)
    account_name = models.CharField(max_length=150)
    narration = models.CharField(max_length=100, blank=True)
    fee = models.PositiveBigIntegerField(default=0, help_text="What the provider charges to send it, minor units.")
    status = models.CharField(max_length=20, default="pending", help_text="pending, successful, failed or reversed.")
    final_status = models.CharField(max_length=20, help_text="What it becomes once the bank answers.")
    webhook_url = models.URLField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gateway", "reference"], name="sandbox_transfer_reference")]

    def __str__(self) -> str:
        return f"{self.gateway} transfer {self.reference}"


class SandboxChargeback(models.Model):
    """A customer's bank disputes a charge: the amount is frozen while open, gone if lost, free again if won."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won by the merchant"
        LOST = "lost", "Lost by the merchant"

    charge = models.ForeignKey(SandboxCharge, on_delete=models.CASCADE, related_name="chargebacks")
    amount = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Chargeback {self.pk} on {self.charge}"


class SandboxRecipient(models.Model):
    code = models.CharField(max_length=40, unique=True)
    bank_code = models.CharField(max_length=20)
    account_number = models.CharField(max_length=20)
    account_name = models.CharField(max_length=150)

    def __str__(self) -> str:
        return self.code


class SandboxWebhook(models.Model):
    """An outgoing notification; `delayed` ones wait until someone delivers them."""

    gateway = models.CharField(max_length=20)
    url = models.URLField(max_length=500)
    body = models.TextField()
    headers = models.JSONField(default=dict)
    delayed = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.gateway} webhook {self.pk}"


class SandboxFault(models.Model):
    """Make the next `remaining` calls of one operation fail: a 5xx, a timeout after doing the work, or a
    timeout before it (the caller can't tell the two timeouts apart)."""

    class Mode(models.TextChoices):
        ERROR = "error", "Answer 500"
        TIMEOUT = "timeout", "Do the work, then time out"
        LOST = "lost", "Time out without doing the work (the request never arrived)"
        # For the "webhook" operation:
        DUPLICATE = "duplicate", "Send the webhook twice"
        DELAY = "delay", "Hold the webhook back"
        DROP = "drop", "Never send the webhook"

    gateway = models.CharField(max_length=20)
    operation = models.CharField(max_length=30)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    remaining = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.gateway} {self.operation}: {self.mode} x{self.remaining}"
