"""Keyset pages for every list: the tutors' feed cursor, reused for any (created_at, id) ordering."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from api.schemas import MAX_ID
from questions.feed import decode_cursor, page

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
