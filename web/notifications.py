from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from notifications import services
from notifications.access import get_notification_by_code_for, get_notification_for
from notifications.models import Notification, SmsOptOut
from web.forms.notifications import PreferencesForm, QuietHoursForm, quiet_initial

PER_PAGE = 25


@login_required
def notification_list(request):
    notifications = Notification.objects.visible_to(request.user)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
def notification_open(request, code):
    """The short link in SMS and emails: marks it read and goes to what it is about."""
    notification = get_notification_by_code_for(request.user, code)
    services.mark_read(notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read(request, pk):
    services.mark_read(notification=get_notification_for(request.user, pk))
    return redirect(_back_to_list(request))


@login_required
@require_POST
def notification_read_all(request):
    count = services.mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect(_back_to_list(request))


def _back_to_list(request) -> str:
    page = request.POST.get("page", "")
    return f"/notifications/?page={page}" if page.isdigit() else "/notifications/"


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(data, user=user)
    quiet_form = QuietHoursForm(data, initial=quiet_initial(user))
    if request.method == "POST" and form.is_valid() and quiet_form.is_valid():
        services.save_preferences(
            user=user,
            choices=form.choices(),
            quiet_start=quiet_form.cleaned_data["quiet_start"],
            quiet_end=quiet_form.cleaned_data["quiet_end"],
        )
        messages.success(request, "Your notification settings are saved.")
        return redirect("notification_preferences")
    context = {
        "form": form,
        "quiet_form": quiet_form,
        "opted_out": bool(user.phone) and SmsOptOut.objects.filter(phone=user.phone).exists(),
    }
    status = 400 if quiet_form.is_bound and quiet_form.errors else 200
    return render(request, "notifications/preferences.html", context, status=status)


@login_required
@require_POST
def sms_opt_in(request):
    services.sms_opt_in(user=request.user)
    messages.success(request, "Text messages are back on for your number.")
    return redirect("notification_preferences")
