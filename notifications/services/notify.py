"""notify(): the one entry point for the rest of the site, and the hourly digest of matching questions.

notify() writes rows in the caller's transaction: the in-app notification and one outbox row
per outside channel. Delivery runs after commit as a background task, so a rollback sends
nothing and a crash loses nothing (`deliver_due_messages` picks up whatever is due).
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.realtime import badge_changed, broadcast_after_commit
from notifications.kinds import DIGEST_KIND, DIGEST_SMS, DIGEST_TITLE, EMAIL, IN_APP, KINDS, SMS, Kind
from notifications.models import Notification, OutboundMessage
from notifications.services.outbox import queue_message
from notifications.services.preferences import enabled_channels, quiet_hours_end, sms_reachable
from notifications.texts import missing_context, render, render_sms

Status = OutboundMessage.Status

DIGEST_WINDOW = timedelta(hours=1)


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


def short_link(notification: Notification) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("notification_open", args=[notification.short_code])


def _queue_email(notification: Notification, spec: Kind, context: dict[str, Any]) -> None:
    if spec.key == DIGEST_KIND and _add_to_digest(notification, OutboundMessage.Channel.EMAIL, context):
        return
    queue_message(
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
    queue_message(
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
