from functools import cache

from django.conf import settings
from django.db.models import Count, F, IntegerField, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from chat.models import Participant
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
    notes = Notification.objects.visible_to(user).unread().order_by().values("user").annotate(n=Count("id"))
    chat = (
        Participant.objects.filter(user=user)
        .order_by()
        .values("user")
        .annotate(n=Sum(F("conversation__last_seq") - F("last_read_seq")))
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            notes=Coalesce(Subquery(notes.values("n"), output_field=IntegerField()), 0),
            chat=Coalesce(Subquery(chat.values("n"), output_field=IntegerField()), 0),
        )
        .values("notes", "chat")
        .first()
    )
    return {"notes": row["notes"], "chat": row["chat"]} if row else {"notes": 0, "chat": 0}
