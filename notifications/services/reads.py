"""The notification centre: marking read moves the live badge."""

from django.utils import timezone

from accounts.models import User
from core.realtime import badge_changed, broadcast_after_commit
from notifications.models import Notification


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
