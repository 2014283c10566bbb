"""Sending what the outbox holds: one claimed attempt at a time, retries with backoff, and the safety net."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import OutboundMessage, SmsOptOut
from notifications.services.outbox import enqueue_after_commit
from notifications.sms import SmsError, SmsMessage, get_backend

logger = logging.getLogger(__name__)
Status = OutboundMessage.Status

MAX_ATTEMPTS = 8  # 30 s, 1, 2, 4, 8, 16, 32 min: a provider may be down for about an hour
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=10)  # a "sending" row this old lost its worker
REDACTED = "(verification code removed after sending)"


def deliver_message(*, message_id: int) -> OutboundMessage | None:
    """One attempt at one due message. Safe to call twice: only a pending, due row is claimed."""
    message = _claim(message_id)
    if message is None:
        return None
    try:
        provider, provider_id = _send(message)
    except SmsError as exc:
        return _record_failure(message_id, exc.reason, retryable=exc.retryable, opted_out=exc.opted_out)
    except Exception as exc:  # email: SMTP and network trouble is worth another try
        logger.warning("Sending %s failed: %s", message, exc)
        return _record_failure(message_id, f"{type(exc).__name__}: {exc}", retryable=True)
    return _record_sent(message_id, provider, provider_id)


@transaction.atomic
def _claim(message_id: int) -> OutboundMessage | None:
    message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status != Status.PENDING or message.next_attempt_at > timezone.now():
        return None
    message.attempts += 1
    message.move_to(Status.SENDING, note=f"attempt {message.attempts}")
    message.save(update_fields=["status", "attempts", "updated_at"])
    return message


def _send(message: OutboundMessage) -> tuple[str, str]:
    if message.channel == OutboundMessage.Channel.EMAIL:
        send_mail(message.subject, message.body, None, [message.to])
        return "email", ""
    if message.kind != "phone_code" and SmsOptOut.objects.filter(phone=message.to).exists():
        raise SmsError("The number replied STOP after this text was queued.", retryable=False)
    backend = get_backend()
    sms = SmsMessage(to=message.to, body=message.body, idempotency_key=str(message.idempotency_key))
    return backend.name, backend.send(sms)


@transaction.atomic
def _record_sent(message_id: int, provider: str, provider_id: str) -> OutboundMessage:
    message = OutboundMessage.objects.select_for_update().get(pk=message_id)
    message.move_to(Status.SENT, note=f"{provider} {provider_id}".strip())
    message.provider, message.provider_message_id = provider, provider_id
    message.sent_at, message.last_error = timezone.now(), ""
    _redact(message)
    message.save()
    return message


@transaction.atomic
def _record_failure(message_id: int, reason: str, *, retryable: bool, opted_out: bool = False) -> OutboundMessage:
    message = OutboundMessage.objects.select_for_update().get(pk=message_id)
    message.last_error = reason[:1000]
    message.provider = get_backend().name if message.channel == OutboundMessage.Channel.SMS else "email"
    if opted_out:
        SmsOptOut.objects.get_or_create(phone=message.to, defaults={"source": f"{message.provider}-send"})
    if retryable and message.attempts < MAX_ATTEMPTS:
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        message.move_to(Status.PENDING, note=f"will retry: {reason}")
        enqueue_after_commit(message)
    else:
        message.move_to(Status.FAILED, note=reason)
        _redact(message)
    message.save()
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before attempt number attempts+1: doubling from 30 seconds, at most an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def _redact(message: OutboundMessage) -> None:
    if message.kind == "phone_code":
        message.body = REDACTED  # staff see every outbound message; nobody needs old codes


def deliver_due_messages(*, limit: int = 200) -> int:
    """The safety net: send what is due (deferred retries, quiet hours, a crashed worker's rows)."""
    now = timezone.now()
    stuck = OutboundMessage.objects.filter(status=Status.SENDING, updated_at__lt=now - STUCK_AFTER)
    with transaction.atomic():
        for message in stuck.select_for_update(skip_locked=True)[:limit]:
            message.move_to(Status.PENDING, note="worker lost; trying again")
            message.save(update_fields=["status", "updated_at"])
    due = OutboundMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")
    sent = 0
    for message_id in due.values_list("pk", flat=True)[:limit]:
        if deliver_message(message_id=message_id):
            sent += 1
    return sent


@transaction.atomic
def retry_messages(*, messages: Iterable[OutboundMessage], by: User) -> int:
    """Staff: give failed messages a fresh set of attempts."""
    count = 0
    for message in OutboundMessage.objects.select_for_update().filter(
        pk__in=[m.pk for m in messages], status=Status.FAILED
    ):
        if message.body == REDACTED:
            continue  # an old verification code: the user asks for a new one instead
        message.move_to(Status.PENDING, note=f"retried by {by.email}")
        message.attempts, message.next_attempt_at = 0, timezone.now()
        message.save()
        enqueue_after_commit(message)
        count += 1
    return count
