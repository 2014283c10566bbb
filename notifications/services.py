"""Writes for notifications. `notify()` is the one entry point for the rest of the site.

notify() writes rows in the caller's transaction: the in-app notification and one outbox row
per outside channel. Delivery runs after commit as a background task, so a rollback sends
nothing and a crash loses nothing (`deliver_due_messages` picks up whatever is due).
"""

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from accounts.services import mark_phone_verified
from core.realtime import badge_changed, broadcast_after_commit
from notifications.kinds import DIGEST_KIND, DIGEST_SMS, DIGEST_TITLE, EMAIL, IN_APP, KINDS, SMS, Kind
from notifications.models import (
    Notification,
    OutboundMessage,
    PhoneVerification,
    Preference,
    QuietHours,
    SmsOptOut,
)
from notifications.sms import SmsError, SmsMessage, get_backend
from notifications.texts import missing_context, render, render_sms

logger = logging.getLogger(__name__)
Status = OutboundMessage.Status

MAX_ATTEMPTS = 8  # 30 s, 1, 2, 4, 8, 16, 32 min: a provider may be down for about an hour
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=10)  # a "sending" row this old lost its worker
DIGEST_WINDOW = timedelta(hours=1)
REDACTED = "(verification code removed after sending)"
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES"}


# --- notify -----------------------------------------------------------------------


def notify(user: User, kind: str, **context: Any) -> Notification:
    """Tell `user` about an event of `kind` on the channels they chose. Call it inside your transaction."""
    spec = _kind(kind, user, context)
    now = timezone.now()
    channels = enabled_channels(user, spec)
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        title=render(spec.title, context)[:300],
        url=context.get("url", ""),
        in_app=IN_APP in channels,
        created_at=now,
    )
    if notification.in_app:
        broadcast_after_commit(*badge_changed(user.pk))  # the badge counts it once it is committed
    context = {**context, "link": short_link(notification)}
    if EMAIL in channels:
        _queue_email(notification, spec, context)
    if SMS in channels and sms_reachable(user):
        not_before = now if spec.urgent else quiet_hours_end(user, now)
        _queue_sms(notification, spec, context, not_before=not_before)
    return notification


def _kind(kind: str, user: User, context: dict[str, Any]) -> Kind:
    spec = KINDS.get(kind)
    if spec is None or not spec.configurable:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if user.role not in spec.roles:
        raise ValueError(f"{kind} notifications are for {', '.join(spec.roles)}s, not {user.role}s.")
    if missing := missing_context(spec, context):
        raise ValueError(f"{kind} needs {', '.join(sorted(missing))} in its context.")
    url = context.get("url", "")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError("url must be a path on this site, e.g. /questions/12/.")
    return spec


def enabled_channels(user: User, spec: Kind) -> set[str]:
    """The kind's default channels, overridden by the user's saved choices (one query)."""
    channels = set(spec.defaults)
    for channel, enabled in Preference.objects.filter(user=user, kind=spec.key).values_list("channel", "enabled"):
        (channels.add if enabled else channels.discard)(channel)
    return channels


def sms_reachable(user: User) -> bool:
    """SMS go only to a verified phone that has not replied STOP."""
    if not user.phone or not user.phone_verified_at:
        return False
    return not SmsOptOut.objects.filter(phone=user.phone).exists()


def quiet_hours_end(user: User, now: datetime) -> datetime:
    """When a non-urgent SMS may go: now, or the end of the user's quiet hours (site time zone)."""
    quiet = QuietHours.objects.filter(user=user).first()
    if not quiet or quiet.start is None or quiet.end is None or quiet.start == quiet.end:
        return now
    local = timezone.localtime(now)
    if not _within(local.time(), quiet.start, quiet.end):
        return now
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    return end if end > local else end + timedelta(days=1)


def _within(moment: time, start: time, end: time) -> bool:
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # the window crosses midnight


def short_link(notification: Notification) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("notification_open", args=[notification.short_code])


def _queue_email(notification: Notification, spec: Kind, context: dict[str, Any]) -> None:
    if spec.key == DIGEST_KIND and _add_to_digest(notification, OutboundMessage.Channel.EMAIL, context):
        return
    _queue(
        notification,
        channel=OutboundMessage.Channel.EMAIL,
        to=notification.user.email,
        subject=notification.title,
        body=_email_body(notification.user, notification.title, context["link"]),
        not_before=_digest_start(notification, OutboundMessage.Channel.EMAIL),
        context=_digest_context(spec, context),
    )


def _queue_sms(notification: Notification, spec: Kind, context: dict[str, Any], *, not_before: datetime) -> None:
    if spec.key == DIGEST_KIND:
        if _add_to_digest(notification, OutboundMessage.Channel.SMS, context):
            return
        not_before = max(not_before, _digest_start(notification, OutboundMessage.Channel.SMS))
    _queue(
        notification,
        channel=OutboundMessage.Channel.SMS,
        to=str(notification.user.phone),
        body=render_sms(spec.sms, context),
        not_before=not_before,
        context=_digest_context(spec, context),
    )


def _email_body(user: User, title: str, link: str) -> str:
    preferences = settings.SITE_URL.rstrip("/") + reverse("notification_preferences")
    return render_to_string(
        "notifications/email/notification.txt",
        {"user": user, "title": title, "link": link, "preferences_url": preferences},
    )


def _queue(notification: Notification | None, **fields: Any) -> OutboundMessage:
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
    _enqueue_after_commit(message)
    return message


def _enqueue_after_commit(message: OutboundMessage) -> None:
    from notifications.tasks import deliver_message_task  # tasks import this module

    message_id, when = message.pk, message.next_attempt_at

    def enqueue() -> None:
        task = deliver_message_task
        if when > timezone.now():
            if not task.get_backend().supports_defer:
                return  # deliver_due_messages sends it when it is due
            task = task.using(run_after=when)
        task.enqueue(message_id)

    transaction.on_commit(enqueue)


# --- matching questions: one message, then an hourly digest ------------------------------


def _digest_context(spec: Kind, context: dict[str, Any]) -> dict[str, Any]:
    if spec.key != DIGEST_KIND:
        return {}
    return {"titles": [str(context["question_title"])]}


def _digest_start(notification: Notification, channel: str) -> datetime:
    """Now, or an hour after the last matching-question message on this channel."""
    if notification.kind != DIGEST_KIND:
        return notification.created_at
    last = (
        OutboundMessage.objects.filter(user=notification.user, kind=DIGEST_KIND, channel=channel)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None or last + DIGEST_WINDOW <= notification.created_at:
        return notification.created_at
    return last + DIGEST_WINDOW


def _add_to_digest(notification: Notification, channel: str, context: dict[str, Any]) -> bool:
    """Fold this question into a digest still waiting to go out; False when there is none."""
    held = (
        OutboundMessage.objects.select_for_update()
        .filter(
            user=notification.user,
            kind=DIGEST_KIND,
            channel=channel,
            status=Status.PENDING,
            attempts=0,
            next_attempt_at__gt=notification.created_at,
        )
        .first()
    )
    if held is None:
        return False
    titles = [*held.context.get("titles", []), str(context["question_title"])]
    digest = {
        "count": len(titles),
        "question_title": titles[0],
        "link": settings.SITE_URL.rstrip("/") + reverse("notification_list"),
    }
    held.context = {"titles": titles}
    held.subject = render(DIGEST_TITLE, digest)
    if channel == OutboundMessage.Channel.SMS:
        held.body = render_sms(DIGEST_SMS, digest)
    else:
        lines = "\n".join(f"- {title}" for title in titles)
        held.body = _email_body(notification.user, f"{held.subject}:\n{lines}", digest["link"])
    held.save(update_fields=["context", "subject", "body", "updated_at"])
    return True


# --- delivery --------------------------------------------------------------------------------


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
        _enqueue_after_commit(message)
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
        _enqueue_after_commit(message)
        count += 1
    return count


# --- provider reports ------------------------------------------------------------------------


@transaction.atomic
def record_delivery_report(*, provider: str, provider_message_id: str, delivered: bool, reason: str = "") -> bool:
    """A provider says a sent SMS reached the handset (or never will). Stale or unknown reports change nothing."""
    message = (
        OutboundMessage.objects.select_for_update()
        .filter(provider=provider, provider_message_id=provider_message_id, status=Status.SENT)
        .first()
    )
    if not provider_message_id or message is None:
        return False
    if delivered:
        message.move_to(Status.DELIVERED, note=f"{provider} delivery report")
        message.delivered_at = timezone.now()
    else:
        message.move_to(Status.FAILED, note=f"{provider} delivery report: {reason}")
        message.last_error = f"Not delivered: {reason or 'no reason given'}"[:1000]
    message.save()
    return True


def record_inbound_sms(*, phone: str, text: str, source: str) -> str | None:
    """A user texted us: STOP opts the number out, START opts it back in."""
    word = text.strip().upper()
    number = e164(phone)
    if number and word in STOP_WORDS:
        record_opt_out(phone=number, source=source)
        return "stop"
    if number and word in START_WORDS:
        SmsOptOut.objects.filter(phone=number).delete()
        return "start"
    return None


def record_opt_out(*, phone: str, source: str) -> None:
    if number := e164(phone):
        SmsOptOut.objects.get_or_create(phone=number, defaults={"source": source[:40]})


def e164(phone: str) -> str | None:
    """A provider's number ("+2348031234567" or "2348031234567") in E.164, or None if it is not one."""
    digits = phone.strip()
    try:
        number = phonenumbers.parse(digits if digits.startswith("+") else f"+{digits}")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_opt_in(*, user: User) -> None:
    """The user turns SMS back on from their settings after a STOP."""
    if user.phone:
        SmsOptOut.objects.filter(phone=user.phone).delete()


# --- the notification centre and preferences ------------------------------------------------------


def mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        broadcast_after_commit(*badge_changed(notification.user_id))


def mark_all_read(*, user: User) -> int:
    count = Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
    if count:
        broadcast_after_commit(*badge_changed(user.pk))
    return count


@transaction.atomic
def save_preferences(
    *, user: User, choices: dict[tuple[str, str], bool], quiet_start: time | None, quiet_end: time | None
) -> None:
    """Store the choices that differ from each kind's defaults, and the quiet hours."""
    Preference.objects.filter(user=user).delete()
    Preference.objects.bulk_create(
        Preference(user=user, kind=kind, channel=channel, enabled=enabled)
        for (kind, channel), enabled in choices.items()
        if kind in KINDS and (channel in KINDS[kind].defaults) != enabled
    )
    QuietHours.objects.update_or_create(user=user, defaults={"start": quiet_start, "end": quiet_end})


# --- phone verification ----------------------------------------------------------------------------

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
PHONE_CAP, PHONE_WINDOW = 3, timedelta(minutes=10)
IP_CAP, IP_WINDOW = 10, timedelta(hours=1)
FIRST_COOLDOWN = timedelta(seconds=30)

NO_PHONE = "Add your mobile number to your profile first."
ALREADY_VERIFIED = "Your phone number is already verified."
NO_CODE = "Send yourself a code first."
CODE_EXPIRED = "That code has expired. Send yourself a new one."
CODE_LOCKED = "Too many wrong tries for this code. Send yourself a new one."
CODE_WRONG = "That code is not right. Check the text and try again ({left} {tries} left)."
COOLDOWN = "We just sent you a code. You can ask for another in {wait}."
PHONE_CAPPED = "We have sent 3 codes to this number in the last 10 minutes. Try again in {wait}."
IP_CAPPED = "Too many codes were asked for from your network. Try again in {wait}."
COUNTRY_REFUSED = "We can't send texts to numbers in {country} yet. We can text numbers in: {allowed}."


class VerificationRefused(Exception):
    """A clear, user-facing reason why no code was sent or the code was not accepted."""


@transaction.atomic
def send_phone_code(*, user: User, ip: str = "") -> PhoneVerification:
    """Text a fresh 6-digit code to the user's phone, within the anti-abuse limits."""
    if not user.phone:
        raise VerificationRefused(NO_PHONE)
    if user.phone_verified_at:
        raise VerificationRefused(ALREADY_VERIFIED)
    _check_country(user.phone)
    now = timezone.now()
    _check_limits(user, str(user.phone), ip, now)
    code = f"{secrets.randbelow(10**6):06d}"
    verification = PhoneVerification.objects.create(
        user=user,
        phone=user.phone,
        code_hash=_hash_code(code),
        ip=ip or None,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    _queue(
        None,
        user=user,
        kind="phone_code",
        channel=OutboundMessage.Channel.SMS,
        to=str(user.phone),
        body=render_sms(KINDS["phone_code"].sms, {"code": code}),
    )
    return verification


def _check_country(phone: Any) -> None:
    # Reserved "drama" ranges are not valid numbers, but their country code still says where they are.
    region = phonenumbers.region_code_for_number(phone) or phonenumbers.region_code_for_country_code(phone.country_code)
    allowed = settings.SMS_ALLOWED_COUNTRIES
    if region not in allowed:
        names = ", ".join(_country_name(code) for code in allowed)
        raise VerificationRefused(COUNTRY_REFUSED.format(country=_country_name(region), allowed=names))


def _country_name(region: str | None) -> str:
    from phonenumbers import geocoder

    example = phonenumbers.example_number(region) if region else None
    name = geocoder.country_name_for_number(example, "en") if example else ""
    return name or (region or "that country")


def _check_limits(user: User, phone: str, ip: str, now: datetime) -> None:
    mine = list(
        PhoneVerification.objects.filter(user=user, created_at__gte=now - IP_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    if mine:  # the wait doubles with each code asked for within the hour
        ready = mine[0] + FIRST_COOLDOWN * 2 ** (len(mine) - 1)
        if ready > now:
            raise VerificationRefused(COOLDOWN.format(wait=_wait(ready - now)))
    by_phone = PhoneVerification.objects.filter(phone=phone, created_at__gte=now - PHONE_WINDOW)
    if len(sent := list(by_phone.order_by("created_at").values_list("created_at", flat=True))) >= PHONE_CAP:
        raise VerificationRefused(PHONE_CAPPED.format(wait=_wait(sent[-PHONE_CAP] + PHONE_WINDOW - now)))
    if ip:
        by_ip = PhoneVerification.objects.filter(ip=ip, created_at__gte=now - IP_WINDOW)
        if len(sent := list(by_ip.order_by("created_at").values_list("created_at", flat=True))) >= IP_CAP:
            raise VerificationRefused(IP_CAPPED.format(wait=_wait(sent[-IP_CAP] + IP_WINDOW - now)))


def _wait(delta: timedelta) -> str:
    seconds = max(1, int(delta.total_seconds() + 0.999))
    if seconds < 90:
        return f"{seconds} seconds"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"


def confirm_phone_code(*, user: User, code: str) -> None:
    """Check a typed code against the newest one sent; a match marks the phone verified."""
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, phone=user.phone)
            .order_by("-created_at")
            .first()
        )
        problem = _code_problem(verification, code.strip())
        if problem is None and verification is not None:
            verification.used_at = timezone.now()
            verification.save(update_fields=["used_at"])
            mark_phone_verified(user=user, phone=verification.phone)
    if problem:  # raised after commit, so a wrong try still counts
        raise VerificationRefused(problem)


def _code_problem(verification: PhoneVerification | None, code: str) -> str | None:
    if verification is None or verification.used_at:
        return NO_CODE
    if verification.wrong_tries >= MAX_WRONG_TRIES:
        return CODE_LOCKED
    if verification.expires_at <= timezone.now():
        return CODE_EXPIRED
    if _check_code(code, verification.code_hash):
        return None
    verification.wrong_tries += 1
    verification.save(update_fields=["wrong_tries"])
    left = MAX_WRONG_TRIES - verification.wrong_tries
    if not left:
        return CODE_LOCKED
    return CODE_WRONG.format(left=left, tries="try" if left == 1 else "tries")


def _hash_code(code: str, salt: str = "") -> str:
    salt = salt or secrets.token_hex(8)
    return f"{salt}${salted_hmac('notifications.phone-code', f'{salt}:{code}', algorithm='sha256').hexdigest()}"


def _check_code(code: str, stored: str) -> bool:
    salt = stored.split("$", 1)[0]
    return constant_time_compare(_hash_code(code, salt), stored)


def current_verification(user: User) -> PhoneVerification | None:
    """The newest code sent to the user's current phone, if it can still be typed in."""
    verification = PhoneVerification.objects.filter(user=user, phone=user.phone).order_by("-created_at").first()
    if verification is None or verification.used_at or verification.expires_at <= timezone.now():
        return None
    return verification
