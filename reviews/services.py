"""Writes to reviews: rate a completed engagement, edit within the window, reply, moderate."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bidding.models import TutorStats
from core import changes
from engagements.models import Engagement
from notifications.services import notify
from reviews.models import RATING_FIELDS, Review

ONLY_STUDENT = "Only the student on this engagement can review it."
NOT_COMPLETED = "You can review the tutor once the work is approved."
ALREADY_REVIEWED = "You have already reviewed this engagement; edit your review instead."
EDIT_WINDOW_CLOSED = "Reviews can be edited for {hours} hours after posting; this one is now final."
ONLY_TUTOR = "Only the reviewed tutor can reply."
ALREADY_REPLIED = "You have already replied to this review."
STARS_RANGE = "Choose from 1 to 5 stars."
TEXT_NEEDED = "Write a few words about how it went."

# stats field for each rating
STATS_FIELDS = {
    "overall": "rating_total",
    "knowledge": "knowledge_total",
    "clarity": "clarity_total",
    "timeliness": "timeliness_total",
    "communication": "communication_total",
}


def _check(ratings: dict[str, int], text: str) -> None:
    errors = {name: STARS_RANGE for name in RATING_FIELDS if not 1 <= ratings.get(name, 0) <= 5}
    if not text.strip():
        errors["text"] = TEXT_NEEDED
    if errors:
        raise ValidationError(errors)


def _count(review: Review, sign: int) -> None:
    """Add (sign=1) or take back (sign=-1) a review in its tutor's aggregates."""
    stats, _ = TutorStats.objects.select_for_update().get_or_create(tutor_id=review.tutor_id)
    stats.review_count += sign
    for name, field in STATS_FIELDS.items():
        setattr(stats, field, getattr(stats, field) + sign * getattr(review, name))
    stats.save()


@transaction.atomic
def create_review(
    *,
    engagement: Engagement,
    by: User,
    overall: int,
    knowledge: int,
    clarity: int,
    timeliness: int,
    communication: int,
    text: str,
) -> Review:
    if by.pk != engagement.student_id:
        raise PermissionDenied(ONLY_STUDENT)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != Engagement.Status.COMPLETED:
        raise ValidationError(NOT_COMPLETED, code="not_completed")
    if Review.objects.filter(engagement=engagement).exists():
        raise ValidationError(ALREADY_REVIEWED, code="already_reviewed")
    ratings = {
        "overall": overall,
        "knowledge": knowledge,
        "clarity": clarity,
        "timeliness": timeliness,
        "communication": communication,
    }
    _check(ratings, text)
    review = Review.objects.create(
        engagement=engagement, tutor_id=engagement.tutor_id, student=by, text=text.strip(), **ratings
    )
    _count(review, +1)
    changes.tutor_changed.announce(review.tutor_id)
    notify(
        review.tutor,
        "new_review",
        rating=review.overall,
        question_title=engagement.question.title,
        url=reverse("tutor_profile", args=[review.tutor_id]),
    )
    return review


@transaction.atomic
def edit_review(
    *,
    review: Review,
    by: User,
    overall: int,
    knowledge: int,
    clarity: int,
    timeliness: int,
    communication: int,
    text: str,
) -> Review:
    if by.pk != review.student_id:
        raise PermissionDenied(ONLY_STUDENT)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.is_editable:
        raise ValidationError(EDIT_WINDOW_CLOSED.format(hours=settings.REVIEW_EDIT_HOURS), code="edit_window_closed")
    ratings = {
        "overall": overall,
        "knowledge": knowledge,
        "clarity": clarity,
        "timeliness": timeliness,
        "communication": communication,
    }
    _check(ratings, text)
    if not review.is_hidden:
        _count(review, -1)
    for name, value in ratings.items():
        setattr(review, name, value)
    review.text = text.strip()
    review.save()
    if not review.is_hidden:
        _count(review, +1)
        changes.tutor_changed.announce(review.tutor_id)
    return review


@transaction.atomic
def reply_to_review(*, review: Review, by: User, text: str) -> Review:
    if by.pk != review.tutor_id:
        raise PermissionDenied(ONLY_TUTOR)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.reply:
        raise ValidationError(ALREADY_REPLIED, code="already_replied")
    if not text.strip():
        raise ValidationError({"text": "Write your reply."})
    review.reply = text.strip()
    review.replied_at = timezone.now()
    review.save(update_fields=["reply", "replied_at", "updated_at"])
    return review


@transaction.atomic
def set_review_hidden(*, review: Review, by: User, hidden: bool) -> Review:
    """Staff moderation: a hidden review leaves the profile and the tutor's averages."""
    if not by.is_staff:
        raise PermissionDenied("Only staff moderate reviews.")
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_hidden != hidden:
        review.is_hidden = hidden
        review.save(update_fields=["is_hidden", "updated_at"])
        _count(review, -1 if hidden else +1)
        changes.tutor_changed.announce(review.tutor_id)
    return review
