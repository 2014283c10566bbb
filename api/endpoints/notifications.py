"""Your notifications, newest first, and marking them read: the notification centre for API clients.
Reading one moves the live badge (`/ws/notifications/`) as it does on the site."""

from django.http import HttpRequest
from ninja import Query, Router

from api import present
from api import schemas as s
from api.auth import caller
from api.pagination import paginate
from notifications import services
from notifications.access import get_notification_for
from notifications.models import Notification

router = Router(tags=["notifications"])


@router.get("/notifications", response={200: s.NotificationPage, **s.ERRORS})
def list_notifications(request: HttpRequest, query: Query[s.NotificationQuery]):
    """Newest first. `unread=true` lists only the ones not read yet; `unread_count` is always the total."""
    user = caller(request)
    notifications = Notification.objects.visible_to(user)
    if query.unread:
        notifications = notifications.unread()
    rows, next_cursor = paginate(notifications, cursor=query.cursor, limit=query.limit)
    return s.NotificationPage(
        items=[present.notification(row) for row in rows],
        next_cursor=next_cursor,
        unread_count=Notification.objects.visible_to(user).unread().count(),
    )


@router.post("/notifications/{notification_id}/read", response={200: s.NotificationOut, **s.ERRORS})
def mark_notification_read(request: HttpRequest, notification_id: int = s.object_id("notification")):
    """Mark one of your notifications read (again is fine). Anyone else's is a 404."""
    notification = get_notification_for(caller(request), notification_id)
    services.mark_read(notification=notification)
    return present.notification(notification)


@router.post("/notifications/read", response={200: s.MarkedRead, **s.ERRORS})
def mark_all_notifications_read(request: HttpRequest):
    """Mark every notification of yours read; answers how many were unread."""
    return s.MarkedRead(marked=services.mark_all_read(user=caller(request)))
