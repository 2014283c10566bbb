import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from core.states import Stateful, StatusHistory
from notifications.kinds import CHANNEL_LABELS, KINDS

KIND_CHOICES = [(key, kind.label) for key, kind in KINDS.items()]


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's notification centre: in-app notifications, newest first."""
        return self.filter(user=user, in_app=True).order_by("-created_at", "-pk")

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One event for one user: the in-app copy, and the record the SMS and emails point back to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True, help_text="Path on this site the notification opens.")
    in_app = models.BooleanField(default=True, help_text="Shown in the user's notification centre.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "in_app", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def short_code(self) -> str:
        return base36(self.pk)


class OutboundMessage(Stateful, models.Model):
    """An SMS or email in the outbox. Delivery runs after commit and retries from these rows."""

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "Email"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for its first or next attempt
        SENDING = "sending", "Sending"  # a worker has claimed it
        SENT = "sent", "Sent"  # the provider accepted it
        DELIVERED = "delivered", "Delivered"  # the provider reported it on the handset
        FAILED = "failed", "Failed"  # given up; last_error says why

    # Which status may follow which; anything else is a bug or a stale report.
    TRANSITIONS = {
        Status.PENDING: {Status.SENDING, Status.FAILED},
        Status.SENDING: {Status.SENT, Status.PENDING, Status.FAILED},
        Status.SENT: {Status.DELIVERED, Status.FAILED},
        Status.DELIVERED: set(),
        Status.FAILED: {Status.PENDING},  # staff retry
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbound_messages")
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254, help_text="E.164 phone number or email address.")
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    context = models.JSONField(default=dict, blank=True, help_text="What the text was rendered from (digests).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    provider = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.to}: {self.get_kind_display()}"


class OutboundMessageEvent(StatusHistory):
    """Append-only history of an outbound message's status."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="events")


class Preference(models.Model):
    """A user's choice for one kind on one channel; only choices that differ from the defaults are stored."""

    CHANNEL_CHOICES = list(CHANNEL_LABELS.items())

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    enabled = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"], name="preference_unique")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel}: {'on' if self.enabled else 'off'}"


class QuietHours(models.Model):
    """No non-urgent SMS between start and end (site time zone); they wait until the end."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours")
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "quiet hours"

    def __str__(self) -> str:
        return f"Quiet {self.start}-{self.end}"


class SmsOptOut(models.Model):
    """A number that replied STOP (or opted out at the provider): we send it no notifications."""

    phone = PhoneNumberField(unique=True)
    source = models.CharField(max_length=40, help_text="How it arrived, e.g. twilio-inbound, africastalking-optout.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "SMS opt-out"

    def __str__(self) -> str:
        return str(self.phone)


class PhoneVerification(models.Model):
    """One code sent to one phone. Codes are stored hashed; the newest live one is the one that counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_verifications")
    phone = PhoneNumberField()
    code_hash = models.CharField(max_length=128)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "created_at"], name="phoneverif_phone_idx"),
            models.Index(fields=["ip", "created_at"], name="phoneverif_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"Code for {self.phone}"


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text
