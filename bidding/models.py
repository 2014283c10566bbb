from django.conf import settings
from django.db import models
from django.utils import timezone

from core.states import Stateful, StatusHistory
from questions.models import Question


class BidQuerySet(models.QuerySet):
    def live(self):
        """Bids still in the running: live, on a question still open."""
        return self.filter(status=Bid.Status.LIVE, question__status="open")


class Bid(Stateful, models.Model):
    class Status(models.TextChoices):
        LIVE = "live", "Live"
        ACCEPTED = "accepted", "Accepted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CLOSED = "closed", "Closed"  # accepted, then its engagement was cancelled before the work

    TRANSITIONS = {
        Status.LIVE: {Status.ACCEPTED, Status.WITHDRAWN},
        # An engagement cancelled before work starts frees the question; the bid is spent.
        Status.ACCEPTED: {Status.CLOSED},
    }
    STATUS_NOUN = "bid"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="bids")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids")
    amount = models.PositiveBigIntegerField(help_text="In minor units of the question's currency.")
    currency = models.CharField(max_length=3)
    message = models.TextField(max_length=2000, help_text="Private: only the student, the tutor and staff see it.")
    delivery_hours = models.PositiveIntegerField(help_text="Hours after payment by which the work is delivered.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.LIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BidQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "tutor"],
                condition=models.Q(status__in=["live", "accepted"]),
                name="one_live_bid_per_tutor_per_question",
            ),
            models.UniqueConstraint(
                fields=["question"], condition=models.Q(status="accepted"), name="one_accepted_bid_per_question"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="bid_amount_positive"),
            models.CheckConstraint(condition=models.Q(delivery_hours__gt=0), name="bid_delivery_positive"),
        ]
        indexes = [models.Index(fields=["tutor", "status"], name="bid_tutor_status_idx")]

    def __str__(self) -> str:
        return f"Bid by {self.tutor_id} on question {self.question_id}"


class BidEvent(StatusHistory):
    """Append-only history of a bid's status."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="events")


class TutorStats(models.Model):
    """A tutor's track record, kept current by the services so profiles and lists never aggregate."""

    tutor = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stats")
    bid_count = models.PositiveIntegerField(default=0)
    response_seconds_total = models.PositiveBigIntegerField(default=0, help_text="Question posted → first bid.")
    completed_count = models.PositiveIntegerField(default=0)
    on_time_count = models.PositiveIntegerField(default=0)
    review_count = models.PositiveIntegerField(default=0)
    rating_total = models.PositiveIntegerField(default=0)
    knowledge_total = models.PositiveIntegerField(default=0)
    clarity_total = models.PositiveIntegerField(default=0)
    timeliness_total = models.PositiveIntegerField(default=0)
    communication_total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "tutor stats"

    def __str__(self) -> str:
        return f"Stats of tutor {self.tutor_id}"

    def _average(self, total: int) -> float | None:
        return round(total / self.review_count, 1) if self.review_count else None

    @property
    def rating(self) -> float | None:
        return self._average(self.rating_total)

    @property
    def sub_ratings(self) -> dict[str, float | None]:
        return {
            "Knowledge": self._average(self.knowledge_total),
            "Clarity": self._average(self.clarity_total),
            "Timeliness": self._average(self.timeliness_total),
            "Communication": self._average(self.communication_total),
        }

    @property
    def on_time_rate(self) -> int | None:
        return round(100 * self.on_time_count / self.completed_count) if self.completed_count else None

    @property
    def response_hours(self) -> float | None:
        return round(self.response_seconds_total / self.bid_count / 3600, 1) if self.bid_count else None
