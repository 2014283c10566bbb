"""Tutors' public profiles and reviews: open to everyone, like the profile pages."""

from django.http import HttpRequest
from ninja import Query, Router

from accounts.access import get_public_tutor_profile
from api import present
from api import schemas as s
from api.pagination import paginate
from bidding.models import TutorStats
from reviews.models import Review

router = Router(tags=["tutors"])

RECENT = 5


def _reviews(tutor_id: int):
    return Review.objects.visible().filter(tutor_id=tutor_id).select_related("student", "engagement__question")


@router.get("/tutors/{tutor_id}", auth=None, response={200: s.TutorOut, 404: s.Error, 422: s.Error})
def tutor_profile(request: HttpRequest, tutor_id: int = s.object_id("tutor")):
    """A tutor's public profile with their track record and latest reviews."""
    profile = get_public_tutor_profile(tutor_id)
    return present.tutor(
        profile,
        stats=TutorStats.objects.filter(tutor_id=tutor_id).first(),
        reviews=list(_reviews(tutor_id)[:RECENT]),
    )


@router.get("/tutors/{tutor_id}/reviews", auth=None, response={200: s.ReviewPage, **s.ERRORS})
def tutor_reviews(request: HttpRequest, query: Query[s.PageQuery], tutor_id: int = s.object_id("tutor")):
    """A tutor's visible reviews, newest first."""
    get_public_tutor_profile(tutor_id)
    rows, next_cursor = paginate(
        _reviews(tutor_id).order_by("-created_at", "-id"), cursor=query.cursor, limit=query.limit
    )
    return s.ReviewPage(items=[present.review(row) for row in rows], next_cursor=next_cursor)
