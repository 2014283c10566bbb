from functools import partial

from chat.models import Participant


def unread(request):
    """Unread chat messages for the navigation badge, counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"chat_unread": partial(Participant.objects.unread_total, user)}
