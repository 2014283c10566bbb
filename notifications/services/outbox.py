"""The outbox: one row per email or SMS to send, handed to the task worker once the caller commits."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from notifications.models import Notification, OutboundMessage


def queue_message(notification: Notification | None, **fields: Any) -> OutboundMessage:
    """A row to send at `not_before` (default: now); `user` and `kind` come from the notification if there is one."""
    user = notification.user if notification else fields.pop("user")
    kind = notification.kind if notification else fields.pop("kind")
    now = timezone.now()
    message = OutboundMessage.objects.create(
        user=user,
        notification=notification,
        kind=kind,
        created_at=now,
        next_attempt_at=fields.pop("not_before", None) or now,
        **fields,
    )
    enqueue_after_commit(message)
    return message


def enqueue_after_commit(message: OutboundMessage) -> None:
    from notifications.tasks import deliver_message_task  # tasks import the services

    message_id, when = message.pk, message.next_attempt_at

    def enqueue() -> None:
        task = deliver_message_task
        if when > timezone.now():
            if not task.get_backend().supports_defer:
                return  # deliver_due_messages sends it when it is due
            task = task.using(run_after=when)
        task.enqueue(message_id)

    transaction.on_commit(enqueue)
