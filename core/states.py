"""Explicit state machines, one implementation for every stateful model (questions, bids,
engagements, payments, escrows, refunds, payouts, outbound messages): the model lists its
allowed moves in `TRANSITIONS`, changes status only through `move_to`, and keeps an append-only
history of every change in its own table, a `StatusHistory` subclass reached as `events`."""

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

ILLEGAL_MOVE = "This can't be done now: it is {current}."
NOTE_LENGTH = 2000


class StatusHistory(models.Model):
    """One status change: who made it (none for the system), when and why.

    A subclass adds the foreign key to its model with `related_name="events"`."""

    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(max_length=NOTE_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Stateful:
    """Mixin for a model with a `status` field, a TRANSITIONS table and a history at `events`."""

    TRANSITIONS: ClassVar[Mapping[Any, set[Any]]]
    # Names the record in a refusal where the state alone would be unclear ("it is refund pending").
    STATUS_NOUN: ClassVar[str] = ""
    status: str

    def status_label(self) -> str:
        label = self.get_status_display().lower()  # type: ignore[attr-defined]
        return f"{self.STATUS_NOUN} {label}" if self.STATUS_NOUN else label

    def move_to(self, new: str, *, by=None, note: str = "") -> None:
        """Change status through the table and record who did it and why; the caller saves."""
        if new not in self.TRANSITIONS.get(self.status, set()):
            raise ValidationError(ILLEGAL_MOVE.format(current=self.status_label()), code="invalid_state")
        self.events.create(from_status=self.status, to_status=new, actor=by, note=note[:NOTE_LENGTH])  # type: ignore[attr-defined]
        self.status = new
