"""Questions: the tutors' feed, a student's own list, post, read, edit, cancel, attach files."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Body, File, Query, Router, Status, UploadedFile

from api import present
from api import schemas as s
from api.auth import caller
from api.errors import on_field
from api.pagination import paginate
from catalog.models import Level, Subject
from core.uploads import file_response
from questions import services
from questions.access import can_see_attachments, get_attachment_for, get_own_question, get_question_for
from questions.feed import FeedFilters, open_questions
from questions.models import Question

router = Router(tags=["questions"])

FEED_IS_FOR_TUTORS = "The question feed is for tutors."
ONLY_STUDENTS = "Only student accounts have questions of their own."
UNKNOWN_CHOICE = "There is no {what} with that slug; GET /api/v1/catalog lists them."


def _choice(model: type[Subject] | type[Level], slug: str, field: str):
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise ValidationError({field: UNKNOWN_CHOICE.format(what=field)})
    return found


def _filters(query: s.FeedQuery) -> FeedFilters:
    budget_given = query.budget_min is not None or query.budget_max is not None
    return FeedFilters(
        subject=_choice(Subject, query.subject, "subject") if query.subject else None,
        level=_choice(Level, query.level, "level") if query.level else None,
        # Budgets are amounts in one currency; like the feed page, assume the site's own.
        currency=query.currency or (settings.DEFAULT_CURRENCY if budget_given else None),
        budget_min=query.budget_min,
        budget_max=query.budget_max,
        due_within_hours=query.due_within_hours,
        search=query.q,
    )


@router.get("/questions", response={200: s.QuestionPage, **s.ERRORS})
def feed(request: HttpRequest, filters: Query[s.FeedQuery]):
    """Open questions, newest first, with the feed's filters and a keyset cursor (`next_cursor`)."""
    user = caller(request)
    if not (user.is_tutor or user.is_staff):
        raise PermissionDenied(FEED_IS_FOR_TUTORS)
    rows, next_cursor = paginate(open_questions(_filters(filters)), cursor=filters.cursor, limit=filters.limit)
    return s.QuestionPage(items=[present.question(row) for row in rows], next_cursor=next_cursor)


@router.get("/questions/mine", response={200: s.QuestionPage, **s.ERRORS})
def my_questions(request: HttpRequest, query: Query[s.PageQuery]):
    """The student's own questions, every status, newest first."""
    user = caller(request)
    if not user.is_student:
        raise PermissionDenied(ONLY_STUDENTS)
    questions = Question.objects.filter(student=user).select_related("subject", "level").order_by("-created_at", "-id")
    rows, next_cursor = paginate(questions, cursor=query.cursor, limit=query.limit)
    return s.QuestionPage(items=[present.question(row) for row in rows], next_cursor=next_cursor)


def _detail(question: Question, request: HttpRequest) -> s.QuestionDetailOut:
    user = caller(request)
    files = list(question.attachments.all()) if can_see_attachments(user, question) else None
    return present.question_detail(question, user=user, attachments=files)


@router.post("/questions", response={201: s.QuestionDetailOut, **s.ERRORS})
def post_question(request: HttpRequest, payload: s.QuestionIn):
    """Post a question (JSON; add files with POST /questions/{id}/attachments)."""
    question = services.post_question(
        student=caller(request),
        title=payload.title,
        body=payload.body,
        subject=_choice(Subject, payload.subject, "subject"),
        level=_choice(Level, payload.level, "level"),
        deadline=payload.deadline,
        budget=payload.budget,
        currency=payload.currency,
    )
    return Status(201, _detail(question, request))


@router.get("/questions/{question_id}", response={200: s.QuestionDetailOut, **s.ERRORS})
def read_question(request: HttpRequest, question_id: int = s.object_id("question")):
    return _detail(get_question_for(caller(request), question_id), request)


@router.patch("/questions/{question_id}", response={200: s.QuestionDetailOut, **s.ERRORS})
def update_question(request: HttpRequest, payload: s.QuestionPatch, question_id: int = s.object_id("question")):
    """Change any of the fields until a bid is accepted; fields left out keep their value."""
    question = get_own_question(caller(request), question_id)
    services.update_question(
        question=question,
        by=caller(request),
        title=payload.title if payload.title is not None else question.title,
        body=payload.body if payload.body is not None else question.body,
        subject=_choice(Subject, payload.subject, "subject") if payload.subject else question.subject,
        level=_choice(Level, payload.level, "level") if payload.level else question.level,
        deadline=payload.deadline or question.deadline,
        budget=payload.budget if payload.budget is not None else question.budget,
        currency=payload.currency or question.currency,
    )
    return _detail(get_question_for(caller(request), question_id), request)


@router.post("/questions/{question_id}/cancel", response={200: s.QuestionDetailOut, **s.ERRORS})
def cancel_question(
    request: HttpRequest, payload: Body[s.ReasonIn | None] = None, question_id: int = s.object_id("question")
):
    """Cancel an open question (an accepted one is cancelled from its engagement)."""
    question = get_own_question(caller(request), question_id)
    services.cancel_question(question=question, by=caller(request), reason=s.reason(payload))
    return _detail(get_question_for(caller(request), question_id), request)


@router.post("/questions/{question_id}/attachments", response={201: s.QuestionDetailOut, **s.FILE_ERRORS})
def attach_files(request: HttpRequest, files: File[list[UploadedFile]], question_id: int = s.object_id("question")):
    """Attach files (multipart, field `files`): PDF, Word (.docx) or images, checked by content."""
    question = get_own_question(caller(request), question_id)
    if len(files) > settings.ATTACHMENTS_PER_UPLOAD:
        raise ValidationError({"files": f"Send at most {settings.ATTACHMENTS_PER_UPLOAD} files at a time."})
    try:
        services.add_attachments(question=question, by=caller(request), files=files)
    except ValidationError as exc:
        raise on_field(exc, "files") from exc
    return Status(201, _detail(question, request))


@router.get("/attachments/{attachment_id}", url_name="attachment_download", response={200: bytes, **s.FILE_ERRORS})
def download_attachment(request: HttpRequest, attachment_id: int = s.object_id("attachment")):
    """The file itself, as a download: only for the student, the tutors who bid, and staff."""
    item = get_attachment_for(caller(request), attachment_id)
    return file_response(item)
