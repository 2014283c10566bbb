"""Announcements that something others keep a copy of has changed, heard only after the commit.

The services that own a write (questions, accounts, engagements, reviews) announce it by id; an
app above them that derives data from it (the recommendations index) subscribes once at start-up.
Like realtime.py this imports nothing of ours, so a low app announces without knowing who listens.
No signals: a plain list of listeners, typed, held strongly, called in the order subscribed.
"""

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[[int], object]


class Change:
    """One kind of change. `announce(pk)` inside a write; each listener gets `pk` once the
    transaction commits (at once outside one), and never if it rolls back."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        if listener not in self.listeners:  # AppConfig.ready() may run more than once
            self.listeners.append(listener)

    def announce(self, pk: int) -> None:
        transaction.on_commit(lambda: self.deliver(pk))

    def deliver(self, pk: int) -> None:
        for listener in list(self.listeners):
            try:
                listener(pk)
            except Exception:  # the write has committed; a listener's failure must not undo or fail it
                logger.exception("A listener to %s %s failed; the periodic refresh catches up.", self.name, pk)


question_changed = Change("question changed")  # its text, subject, level or status; the question's id
tutor_changed = Change("tutor changed")  # their profile, a completed job or a review; the tutor's user id
