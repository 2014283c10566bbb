from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from bidding.models import Bid
from core.states import Stateful, StatusHistory
from core.uploads import StoredFile
from questions.models import Question


class EngagementQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(models.Q(student=user) | models.Q(tutor=user))

    def with_dispute(self):
        """Annotated from the history: when the (last) dispute was opened, why, by whom, and when it was decided."""
        opened = EngagementEvent.objects.filter(engagement=models.OuterRef("pk"), to_status="disputed")
        opened = opened.order_by("-created_at", "-id")
        decided = EngagementEvent.objects.filter(engagement=models.OuterRef("pk"), from_status="disputed")
        return self.annotate(
            dispute_opened_at=models.Subquery(opened.values("created_at")[:1]),
            dispute_reason=models.Subquery(opened.values("note")[:1]),
            dispute_opened_by_id=models.Subquery(opened.values("actor_id")[:1]),
            dispute_decided_at=models.Subquery(decided.order_by("-created_at", "-id").values("created_at")[:1]),
        )

    def open_disputes(self):
        """Disputes waiting for a staff decision, the longest waiting first."""
        return self.filter(status="disputed").with_dispute().order_by("dispute_opened_at", "pk")

    def decided_disputes(self):
        """Disputes staff have decided, the latest first."""
        decided = EngagementEvent.objects.filter(engagement=models.OuterRef("pk"), from_status="disputed")
        return self.filter(models.Exists(decided)).with_dispute().order_by("-dispute_decided_at", "-pk")


class Engagement(Stateful, models.Model):
    """The work a student and a tutor agreed on when the student accepted the tutor's bid."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        IN_PROGRESS = "in_progress", "In progress"
        DELIVERED = "delivered", "Delivered"
        COMPLETED = "completed", "Completed"
        DISPUTED = "disputed", "Disputed"
        CANCELLED = "cancelled", "Cancelled"

    TRANSITIONS = {
        Status.AWAITING_PAYMENT: {Status.IN_PROGRESS, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.DELIVERED, Status.DISPUTED, Status.CANCELLED},
        Status.DELIVERED: {Status.COMPLETED, Status.IN_PROGRESS, Status.DISPUTED},
        Status.DISPUTED: {Status.COMPLETED, Status.CANCELLED},
    }
    ACTIVE = [Status.AWAITING_PAYMENT, Status.IN_PROGRESS, Status.DELIVERED, Status.DISPUTED]

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="engagements")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="engagement")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField(help_text="The accepted price, in minor units.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT)
    revisions_used = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    payment_due_at = models.DateTimeField()
    funded_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Delivery promised by (set when funded).")
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="Latest delivery.")
    first_delivered_at = models.DateTimeField(null=True, blank=True)
    auto_approve_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="When the tutor was told delivery is due soon.")

    objects = EngagementQuerySet.as_manager()

    class Meta:
        constraints = [
            # One engagement in flight per question; ended ones stay as history.
            models.UniqueConstraint(
                fields=["question"],
                condition=models.Q(status__in=["awaiting_payment", "in_progress", "delivered", "disputed"]),
                name="one_active_engagement_per_question",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "status"], name="engagement_student_idx"),
            models.Index(fields=["tutor", "status"], name="engagement_tutor_idx"),
        ]

    def __str__(self) -> str:
        return f"Engagement {self.pk} on “{self.question}”"

    def get_absolute_url(self) -> str:
        return reverse("engagement_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.IN_PROGRESS and self.due_at is not None and self.due_at < timezone.now()

    @property
    def revisions_left(self) -> int:
        return max(0, settings.MAX_REVISIONS - self.revisions_used)


class EngagementEvent(StatusHistory):
    """Append-only history: every status change with who made it and why."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")

    @property
    def to_label(self) -> str:
        return Engagement.Status(self.to_status).label


class Delivery(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="deliveries")
    message = models.TextField(max_length=20_000)
    message_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"Delivery {self.pk} for engagement {self.engagement_id}"


class DeliveryFile(StoredFile):
    UPLOAD_FOLDER = "deliveries"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="files")

    def get_absolute_url(self) -> str:
        return reverse("delivery_file_download", args=[self.pk])
