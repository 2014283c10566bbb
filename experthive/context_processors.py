from functools import cache

from django.conf import settings
from django.db import connection
from django.utils.functional import SimpleLazyObject

from chat.models import Conversation, Participant
from notifications.models import Notification


def site(request):
    return {"SITE_NAME": settings.SITE_NAME}


def badges(request):
    """The navigation's two unread counts (notifications, chat messages) in one query, run only
    when a page shows them. Every page pays for it, so it is one query, not one per badge."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = cache(lambda: _unread_counts(user))
    return {
        "unread_notifications": SimpleLazyObject(lambda: counts()["notes"]),
        "chat_unread": SimpleLazyObject(lambda: counts()["chat"]),
    }


def _unread_counts(user) -> dict[str, int]:
    # Plain SQL: the same query through the ORM's subquery annotations cost ~4 ms of Python per
    # page to compile, more than everything else the navigation does.
    with connection.cursor() as cursor:
        cursor.execute(UNREAD_COUNTS_SQL, [user.pk, user.pk])
        notes, chat = cursor.fetchone()
    return {"notes": notes, "chat": chat}


UNREAD_COUNTS_SQL = f"""
SELECT
  (SELECT COUNT(*) FROM {Notification._meta.db_table}
    WHERE user_id = %s AND in_app AND read_at IS NULL),
  (SELECT COALESCE(SUM(c.last_seq - p.last_read_seq), 0)
    FROM {Participant._meta.db_table} p JOIN {Conversation._meta.db_table} c ON c.id = p.conversation_id
    WHERE p.user_id = %s)
"""
