from django.utils.functional import SimpleLazyObject

from notifications.models import Notification


def unread(request):
    """The navigation's unread badge: one COUNT query, run only by pages that show it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = SimpleLazyObject(lambda: Notification.objects.visible_to(user).unread().order_by().count())
    return {"unread_notifications": count}
