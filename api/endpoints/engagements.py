"""Engagements, from an accepted bid to approval: list, read, deliver, approve, revise, dispute,
cancel, and the student's review at the end."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Body, File, Form, Query, Router, Status, UploadedFile

from api import present
from api import schemas as s
from api.auth import caller
from api.errors import on_field
from api.pagination import paginate
from core.uploads import file_response
from engagements import services
from engagements.access import get_delivery_file_for, get_engagement_for
from engagements.models import Engagement
from payments import services as payment_services
from reviews import services as review_services
from reviews.models import Review

router = Router(tags=["engagements"])

NO_MESSAGE = Form("")  # a delivery may be files alone


@router.get("/engagements", response={200: s.EngagementPage, **s.ERRORS})
def list_engagements(request: HttpRequest, query: Query[s.EngagementQuery]):
    """Your engagements as student or tutor, newest first; filter by `status`."""
    engagements = (
        Engagement.objects.for_user(caller(request))
        .select_related("question", "student", "tutor")
        .order_by("-created_at", "-id")
    )
    if query.status:
        engagements = engagements.filter(status=query.status)
    rows, next_cursor = paginate(engagements, cursor=query.cursor, limit=query.limit)
    return s.EngagementPage(items=[present.engagement(row) for row in rows], next_cursor=next_cursor)


def _detail(request: HttpRequest, pk: int) -> s.EngagementDetailOut:
    user = caller(request)
    engagement = get_engagement_for(user, pk)
    return present.engagement_detail(
        engagement,
        deliveries=list(engagement.deliveries.prefetch_related("files")),
        events=list(engagement.events.all()),
        review_id=Review.objects.filter(engagement=engagement).values_list("pk", flat=True).first(),
        can_cancel=services.may_cancel(engagement, user),
    )


@router.get("/engagements/{engagement_id}", response={200: s.EngagementDetailOut, **s.ERRORS})
def read_engagement(request: HttpRequest, engagement_id: int = s.object_id("engagement")):
    """The engagement with its deliveries and its history; only its student, its tutor and staff."""
    return _detail(request, engagement_id)


@router.post("/engagements/{engagement_id}/deliver", response={201: s.EngagementDetailOut, **s.FILE_ERRORS})
def deliver_work(
    request: HttpRequest,
    message: s.DeliveryText = NO_MESSAGE,
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # files are optional
    engagement_id: int = s.object_id("engagement"),
):
    """The tutor delivers (multipart: `message` and any number of `files`, up to 10)."""
    engagement = get_engagement_for(caller(request), engagement_id)
    try:
        services.deliver_work(engagement=engagement, by=caller(request), message=message, files=files or [])
    except ValidationError as exc:
        raise on_field(exc, "files") from exc
    return Status(201, _detail(request, engagement_id))


@router.post("/engagements/{engagement_id}/approve", response={200: s.EngagementDetailOut, **s.ERRORS})
def approve_work(request: HttpRequest, engagement_id: int = s.object_id("engagement")):
    """The student approves the delivered work: the engagement is completed."""
    engagement = get_engagement_for(caller(request), engagement_id)
    # Approval releases the escrow: the payments layer wraps the state change and the money.
    payment_services.approve_and_release(engagement=engagement, by=caller(request))
    return _detail(request, engagement_id)


@router.post("/engagements/{engagement_id}/revision", response={200: s.EngagementDetailOut, **s.ERRORS})
def request_revision(
    request: HttpRequest, payload: Body[s.ReasonIn | None] = None, engagement_id: int = s.object_id("engagement")
):
    """The student sends delivered work back, saying what to change (a limited number of times)."""
    engagement = get_engagement_for(caller(request), engagement_id)
    services.request_revision(engagement=engagement, by=caller(request), reason=s.reason(payload))
    return _detail(request, engagement_id)


@router.post("/engagements/{engagement_id}/dispute", response={200: s.EngagementDetailOut, **s.ERRORS})
def open_dispute(
    request: HttpRequest, payload: Body[s.ReasonIn | None] = None, engagement_id: int = s.object_id("engagement")
):
    """Either side asks staff to decide."""
    engagement = get_engagement_for(caller(request), engagement_id)
    services.open_dispute(engagement=engagement, by=caller(request), reason=s.reason(payload))
    return _detail(request, engagement_id)


@router.post("/engagements/{engagement_id}/cancel", response={200: s.EngagementDetailOut, **s.ERRORS})
def cancel_engagement(
    request: HttpRequest, payload: Body[s.ReasonIn | None] = None, engagement_id: int = s.object_id("engagement")
):
    """Before payment either side; after it the tutor, or the student once the work is overdue."""
    engagement = get_engagement_for(caller(request), engagement_id)
    payment_services.cancel_and_refund(engagement=engagement, by=caller(request), reason=s.reason(payload))
    return _detail(request, engagement_id)


@router.post("/engagements/{engagement_id}/review", tags=["reviews"], response={201: s.ReviewOut, **s.ERRORS})
def review_engagement(request: HttpRequest, payload: s.ReviewIn, engagement_id: int = s.object_id("engagement")):
    """The student rates the tutor once the work is approved; one review per engagement."""
    engagement = get_engagement_for(caller(request), engagement_id)
    created = review_services.create_review(engagement=engagement, by=caller(request), **payload.model_dump())
    return Status(
        201, present.review(Review.objects.select_related("student", "engagement__question").get(pk=created.pk))
    )


@router.get("/delivery-files/{file_id}", url_name="delivery_file_download", response={200: bytes, **s.FILE_ERRORS})
def download_delivery_file(request: HttpRequest, file_id: int = s.object_id("file")):
    """A delivered file, as a download: only for the engagement's student, its tutor and staff."""
    item = get_delivery_file_for(caller(request), file_id)
    return file_response(item)
