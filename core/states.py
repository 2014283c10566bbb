"""Explicit state machines: each stateful model lists its allowed moves in a table, changes
status only through `move_to`, and keeps an append-only history of every change."""

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

ILLEGAL_MOVE = "This can't be done now: it is {current}."


def check_move(table: Mapping[Any, set[Any]], current: str, new: str, *, label: str) -> None:
    """Refuse a move the table does not list, naming the current state for the user."""
    if new not in table.get(current, set()):
        raise ValidationError(ILLEGAL_MOVE.format(current=label), code="invalid_state")


class StatusHistory(models.Model):
    """One status change: who made it, when and why. Subclasses add the FK named `events`."""

    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Stateful:
    """Mixin for a model with a `status` field, a TRANSITIONS table and a history at `events`."""

    TRANSITIONS: ClassVar[Mapping[Any, set[Any]]]
    status: str

    def status_label(self) -> str:
        return self.get_status_display().lower()  # type: ignore[attr-defined]

    def move_to(self, new: str, *, by, note: str = "") -> None:
        """Change status through the table and record it; the caller saves."""
        check_move(self.TRANSITIONS, self.status, new, label=self.status_label())
        self.events.create(from_status=self.status, to_status=new, actor=by, note=note)  # type: ignore[attr-defined]
        self.status = new
