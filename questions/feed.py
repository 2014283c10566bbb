"""The tutors' feed of open questions: filters, full-text search and keyset pagination."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.models import Level, Subject
from questions.models import Question

PAGE_SIZE = 20


@dataclass(frozen=True)
class FeedFilters:
    subject: Subject | None = None
    level: Level | None = None
    currency: str | None = None
    budget_min: int | None = None  # minor units
    budget_max: int | None = None
    due_within_hours: int | None = None
    search: str = ""


def search(queryset: QuerySet[Question], text: str) -> QuerySet[Question]:
    """Full-text search: PostgreSQL's GIN-indexed tsvector, or every word as LIKE on SQLite."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        # alias, not annotate: the vector is only matched, never sent back with each row.
        vector = SearchVector("search_document", config="english")
        return queryset.alias(search=vector).filter(search=SearchQuery(text, config="english"))
    for word in text.split()[:8]:
        queryset = queryset.filter(search_document__icontains=word)
    return queryset


def open_questions(filters: FeedFilters) -> QuerySet[Question]:
    queryset = Question.objects.open().for_feed()
    if filters.subject:
        queryset = queryset.filter(subject=filters.subject)
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    if filters.currency:
        queryset = queryset.filter(currency=filters.currency)
    if filters.budget_min is not None:
        queryset = queryset.filter(budget__gte=filters.budget_min)
    if filters.budget_max is not None:
        queryset = queryset.filter(budget__lte=filters.budget_max)
    if filters.due_within_hours:
        queryset = queryset.filter(deadline__lte=timezone.now() + timedelta(hours=filters.due_within_hours))
    return search(queryset, filters.search).order_by("-created_at", "-id")


def encode_cursor(question: Question) -> str:
    return encode_key(question.created_at, question.pk)


def encode_key(moment: datetime, pk: int) -> str:
    """A (moment, id) keyset position as an opaque, URL-safe cursor."""
    raw = f"{moment.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (created_at, id) a page continues after; None for a missing or damaged cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = raw.split("|")
        return datetime.fromisoformat(created), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def page(queryset: QuerySet[Question], cursor: str = "", size: int = PAGE_SIZE) -> tuple[list[Question], str]:
    """One page after the cursor and the cursor of the next page ('' on the last page).

    Keyset pagination: WHERE (created_at, id) < (cursor) instead of OFFSET, so page 500
    costs the same as page 1.
    """
    after = decode_cursor(cursor) if cursor else None
    if after:
        created, pk = after
        # The plain created_at bound is what the index seeks to; PostgreSQL can't seek on the OR
        # alone and would walk every row of the earlier pages to reach this one.
        queryset = queryset.filter(created_at__lte=created).filter(
            Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
        )
    rows = list(queryset[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return rows, encode_cursor(rows[-1]) if has_more and rows else ""
