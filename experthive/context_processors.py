from functools import cache

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from chat.services import unread_counts


def site(request):
    return {"SITE_NAME": settings.SITE_NAME}


def badges(request):
    """The navigation's unread counts (notifications, chat messages, both for the phone's menu
    button), read in one query and only when a page shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = cache(lambda: unread_counts(user))
    return {
        "unread_notifications": SimpleLazyObject(lambda: counts()["notifications"]),
        "chat_unread": SimpleLazyObject(lambda: counts()["chat"]),
        "unread_total": SimpleLazyObject(lambda: counts()["notifications"] + counts()["chat"]),
    }
