"""Phone verification by SMS code: the profile links here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.net import client_ip
from notifications import services
from web.forms.notifications import CodeForm


@login_required
@require_http_methods(["GET", "POST"])
def phone_verify(request):
    user = request.user
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_phone_code(user=user, code=form.cleaned_data["code"])
        except services.VerificationRefused as refused:
            form.add_error("code", str(refused))
        else:
            messages.success(request, f"Your phone number {user.phone.as_international} is verified.")
            return redirect("phone_verify")
    context = {"form": form, "verification": services.current_verification(user) if user.phone else None}
    return render(request, "accounts/phone_verify.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def phone_send_code(request):
    user = request.user
    try:
        services.send_phone_code(user=user, ip=client_ip(request))
    except services.VerificationRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"We sent a 6-digit code to {user.phone.as_international}. It expires in 10 minutes.")
    return redirect("phone_verify")
