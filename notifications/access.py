"""The only permission gate for notifications: a user sees and marks their own, nobody else's."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from notifications.models import Notification


def get_notification_for(user: User, pk: int) -> Notification:
    """The user's own notification; anyone else's (or a missing one) is a 404."""
    if not user.is_authenticated:
        raise Http404("No such notification.")
    return get_object_or_404(Notification, pk=pk, user=user)


def get_notification_by_code_for(user: User, code: str) -> Notification:
    """The same, from the short code in an SMS or email link."""
    try:
        pk = int(code, 36)
    except ValueError:
        raise Http404("No such notification.") from None
    return get_notification_for(user, pk)
