from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from engagements.models import Engagement

STARS = [MinValueValidator(1), MaxValueValidator(5)]
RATING_FIELDS = ["overall", "knowledge", "clarity", "timeliness", "communication"]


class ReviewQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)


class Review(models.Model):
    engagement = models.OneToOneField(Engagement, on_delete=models.PROTECT, related_name="review")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_received")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written")
    overall = models.PositiveSmallIntegerField(validators=STARS)
    knowledge = models.PositiveSmallIntegerField(validators=STARS)
    clarity = models.PositiveSmallIntegerField(validators=STARS)
    timeliness = models.PositiveSmallIntegerField(validators=STARS)
    communication = models.PositiveSmallIntegerField(validators=STARS)
    text = models.TextField(max_length=3000)
    reply = models.TextField(max_length=2000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False, help_text="Hidden by staff moderation.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}), name=f"review_{name}_1_to_5"
            )
            for name in RATING_FIELDS
        ]
        indexes = [models.Index(fields=["tutor", "-created_at"], name="review_tutor_idx")]

    def __str__(self) -> str:
        return f"{self.overall}★ for tutor {self.tutor_id}"

    @property
    def editable_until(self):
        return self.created_at + timedelta(hours=settings.REVIEW_EDIT_HOURS)

    @property
    def is_editable(self) -> bool:
        return timezone.now() < self.editable_until
