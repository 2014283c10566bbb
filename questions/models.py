from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from catalog.models import Level, Subject
from core.states import Stateful, StatusHistory
from core.uploads import StoredFile
from questions import feed_cache


class QuestionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Question.Status.OPEN, deadline__gt=timezone.now())

    def for_feed(self):
        # What a feed row shows. Not the student (a join per row) nor the long texts, which
        # would be most of the bytes read for a page.
        return self.select_related("subject", "level").defer("body", "body_html", "search_document")


class Question(Stateful, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open for bids"
        ASSIGNED = "assigned", "Bid accepted"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    TRANSITIONS = {
        Status.OPEN: {Status.ASSIGNED, Status.CANCELLED, Status.EXPIRED},
        # An engagement that ends before work starts (unpaid, cancelled) puts the question back.
        Status.ASSIGNED: {Status.COMPLETED, Status.CANCELLED, Status.OPEN},
    }

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions")
    title = models.CharField(max_length=150)
    body = models.TextField(max_length=20_000, help_text="Markdown.")
    body_html = models.TextField(editable=False, help_text="The body rendered and sanitised.")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="questions")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="questions")
    deadline = models.DateTimeField()
    budget = models.PositiveBigIntegerField(help_text="In minor units (kobo, cents).")
    currency = models.CharField(max_length=3, default="NGN")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # Kept current by the bidding services, so lists never aggregate.
    bid_count = models.PositiveIntegerField(default=0)
    lowest_bid = models.PositiveBigIntegerField(null=True, blank=True)
    # Plain text of title, subject and body: what full-text search indexes.
    search_document = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="question_feed_idx"),
            # Tutors filter by their subject: its open questions, already in feed order.
            models.Index(
                fields=["subject", "-created_at", "-id"],
                condition=models.Q(status="open"),
                name="question_open_subject_idx",
            ),
            models.Index(fields=["student", "-created_at"], name="question_student_idx"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(budget__gt=0), name="question_budget_positive")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # Every write to a question goes through here (services, admin), so the shared feed
        # cache never shows a question as it was before a change.
        feed_cache.feed_changed()

    def get_absolute_url(self) -> str:
        return reverse("question_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline > timezone.now()

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.OPEN


class QuestionEvent(StatusHistory):
    """Append-only history of a question's status."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="events")


class Attachment(StoredFile):
    UPLOAD_FOLDER = "attachments"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="attachments")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def get_absolute_url(self) -> str:
        return reverse("attachment_download", args=[self.pk])
