"""Keyset pages for every list: the tutors' feed cursor, reused for any (created_at, id) ordering."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from api.schemas import MAX_ID
from questions.feed import decode_cursor, encode_key, page

BAD_CURSOR = "This cursor is damaged or out of date; start again from the first page."


def check_cursor(cursor: str) -> None:
    """A damaged cursor is the client's error: silently restarting from page 1 could loop forever."""
    if not cursor:
        return
    after = decode_cursor(cursor)
    if after is None or timezone.is_naive(after[0]) or not 0 < after[1] <= MAX_ID:
        raise ValidationError({"cursor": BAD_CURSOR})


def paginate(queryset: QuerySet[Any], *, cursor: str, limit: int) -> tuple[list[Any], str | None]:
    """One page of a queryset ordered by (-created_at, -id), and the next page's cursor or None."""
    check_cursor(cursor)
    rows, next_cursor = page(queryset, cursor=cursor, size=limit)
    return rows, next_cursor or None


def paginate_by(queryset: QuerySet[Any], *, field: str, cursor: str, limit: int) -> tuple[list[Any], str | None]:
    """Like `paginate`, for a queryset ordered by (-field, -id) where `field` is any datetime (an
    annotation too): the same cursor format, so the same checks."""
    check_cursor(cursor)
    if after := (decode_cursor(cursor) if cursor else None):
        moment, pk = after
        queryset = queryset.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "id__lt": pk}))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_key(getattr(rows[-1], field), rows[-1].pk)
