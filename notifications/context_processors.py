from notifications.models import Notification


def unread(request):
    """The navigation's unread badge: one COUNT query, only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.visible_to(user).unread().order_by().count()}
