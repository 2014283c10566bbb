"""Explicit state machines: each stateful model lists its allowed moves in a table."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

ILLEGAL_MOVE = "This can't be done now: it is {current}."


def check_move(table: Mapping[Any, set[Any]], current: str, new: str, *, label: str) -> None:
    """Refuse a move the table does not list, naming the current state for the user."""
    if new not in table.get(current, set()):
        raise ValidationError(ILLEGAL_MOVE.format(current=label), code="invalid_state")
