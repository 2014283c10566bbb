"""Writes to questions: post, edit, attach files, cancel, expire."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Level, Subject
from core import changes
from core.markup import plain_text, render_markdown
from core.money import currency_rules, format_money, offered_currencies
from core.realtime import broadcast_after_commit, question_group
from core.uploads import check_uploads
from questions.models import Attachment, Question
from questions.tasks import announce_question  # the new question, to matching tutors

ONLY_STUDENTS = "Only student accounts can post questions."
NOT_YOURS = "This question belongs to another student."
DEADLINE_TOO_SOON = "Give tutors at least an hour: choose a deadline later than {earliest}."
DEADLINE_TOO_FAR = "Choose a deadline within the next 90 days."
BUDGET_TOO_LOW = "The smallest budget in {currency} is {minimum}."
UNKNOWN_CURRENCY = "Choose one of the currencies we accept: {currencies}."
NOT_EDITABLE = "This question can no longer be edited: a bid has been accepted or it is closed."
TOO_MANY_FILES = "Attach at most {count} files to a question."
INACTIVE_CHOICE = "That {what} is no longer offered; choose another."

MIN_NOTICE = timedelta(hours=1)
MAX_NOTICE = timedelta(days=90)
MAX_ATTACHMENTS = 10


def _check_fields(
    *, subject: Subject, level: Level, deadline: datetime, budget: int, currency: str, now: datetime
) -> None:
    errors: dict[str, str] = {}
    if not subject.is_active:
        errors["subject"] = INACTIVE_CHOICE.format(what="subject")
    if not level.is_active:
        errors["level"] = INACTIVE_CHOICE.format(what="level")
    if deadline < now + MIN_NOTICE:
        errors["deadline"] = DEADLINE_TOO_SOON.format(earliest=timezone.localtime(now + MIN_NOTICE).strftime("%H:%M"))
    elif deadline > now + MAX_NOTICE:
        errors["deadline"] = DEADLINE_TOO_FAR
    if currency not in offered_currencies():
        errors["currency"] = UNKNOWN_CURRENCY.format(currencies=", ".join(offered_currencies()))
    elif budget < (minimum := currency_rules(currency).min_bid):
        errors["budget"] = BUDGET_TOO_LOW.format(currency=currency, minimum=format_money(minimum, currency))
    if errors:
        raise ValidationError(errors)


def _fill(question: Question, *, title: str, body: str, subject: Subject, level: Level, **fields) -> None:
    question.title = title.strip()
    question.body = body.strip()
    question.body_html = render_markdown(question.body)
    question.subject = subject
    question.level = level
    for name, value in fields.items():
        setattr(question, name, value)
    question.search_document = f"{question.title}\n{subject.name}\n{plain_text(question.body)}"


@transaction.atomic
def post_question(
    *,
    student: User,
    title: str,
    body: str,
    subject: Subject,
    level: Level,
    deadline: datetime,
    budget: int,
    currency: str,
    files: Sequence[UploadedFile] = (),
) -> Question:
    if not student.is_student:
        raise PermissionDenied(ONLY_STUDENTS)
    _check_fields(subject=subject, level=level, deadline=deadline, budget=budget, currency=currency, now=timezone.now())
    question = Question(student=student)
    _fill(
        question,
        title=title,
        body=body,
        subject=subject,
        level=level,
        deadline=deadline,
        budget=budget,
        currency=currency,
    )
    question.save()
    add_attachments(question=question, by=student, files=files)
    transaction.on_commit(lambda: announce_question.enqueue(question_id=question.pk))
    changes.question_changed.announce(question.pk)
    return question


@transaction.atomic
def update_question(
    *,
    question: Question,
    by: User,
    title: str,
    body: str,
    subject: Subject,
    level: Level,
    deadline: datetime,
    budget: int,
    currency: str,
) -> Question:
    question = _lock_own(question, by)
    if not question.is_editable:
        raise ValidationError(NOT_EDITABLE, code="not_editable")
    if currency != question.currency and question.bid_count:
        raise ValidationError({"currency": "Tutors have bid in this currency; it can't change now."})
    _check_fields(subject=subject, level=level, deadline=deadline, budget=budget, currency=currency, now=timezone.now())
    _fill(
        question,
        title=title,
        body=body,
        subject=subject,
        level=level,
        deadline=deadline,
        budget=budget,
        currency=currency,
    )
    question.save()
    changes.question_changed.announce(question.pk)
    return question


@transaction.atomic
def add_attachments(*, question: Question, by: User, files: Sequence[UploadedFile]) -> list[Attachment]:
    if not files:
        return []
    question = _lock_own(question, by)
    if not question.is_editable:
        raise ValidationError(NOT_EDITABLE, code="not_editable")
    if question.attachments.count() + len(files) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": TOO_MANY_FILES.format(count=MAX_ATTACHMENTS)})
    return Attachment.store(check_uploads(files), question=question)


@transaction.atomic
def cancel_question(*, question: Question, by: User, reason: str = "") -> Question:
    question = _lock_own(question, by)
    if question.status != Question.Status.OPEN:
        raise ValidationError(
            "Only an open question can be cancelled; an accepted one is cancelled from its engagement."
        )
    question.move_to(Question.Status.CANCELLED, by=by, note=reason[:200])
    question.save(update_fields=["status", "updated_at"])
    broadcast_question_status(question)
    return question


def expire_overdue_questions(*, now: datetime | None = None) -> int:
    """Open questions whose deadline passed without an accepted bid are closed."""
    now = now or timezone.now()
    expired = 0
    for pk in Question.objects.filter(status=Question.Status.OPEN, deadline__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            question = Question.objects.select_for_update().get(pk=pk)
            if question.status == Question.Status.OPEN:
                question.move_to(Question.Status.EXPIRED, by=None, note="deadline passed without an accepted bid")
                question.save(update_fields=["status", "updated_at"])
                broadcast_question_status(question)
                expired += 1
    return expired


def broadcast_question_status(question: Question) -> None:
    """Tell everyone watching the bid board (after commit) that the question changed status:
    taken, reopened, closed. The page fetches what changed through its own view. Every status
    change passes here, so it is also where the change is announced to whoever keeps a copy."""
    broadcast_after_commit(question_group(question.pk), {"type": "question.changed", "status": question.status})
    changes.question_changed.announce(question.pk)


def _lock_own(question: Question, by: User) -> Question:
    """Re-read the question under a row lock, refusing anyone but its student."""
    if question.student_id != by.pk:
        raise PermissionDenied(NOT_YOURS)
    return Question.objects.select_for_update().get(pk=question.pk)
