from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.access import get_own_profile
from accounts.models import User
from web.forms.accounts import (
    LoginForm,
    SignupForm,
    StudentProfileForm,
    StudentSignupForm,
    TutorProfileForm,
    initial_for,
)

SIGNUP_FORMS = {User.Role.STUDENT: StudentSignupForm, User.Role.TUTOR: SignupForm}


def signup_choice(request):
    return render(request, "accounts/signup_choice.html")


@require_http_methods(["GET", "POST"])
def signup(request, role):
    if request.user.is_authenticated:
        return redirect("home")
    form = SIGNUP_FORMS[role](request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_user(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                phone=form.cleaned_data["phone"],
                role=role,
                level=form.cleaned_data.get("level"),
            )
        except ValidationError as exc:
            _add_service_errors(form, exc, unnamed_to="password1")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return _welcome(request, user)
    return render(request, "accounts/signup.html", {"form": form, "role": role}, status=_status(form))


def _welcome(request, user):
    if user.is_tutor:
        messages.success(request, "Welcome to Expert Hive! Add your subjects and levels so students can find you.")
        return redirect("profile")
    messages.success(request, f"Welcome to Expert Hive, {user.get_short_name()}!")
    return redirect("home")


def _add_service_errors(form, exc: ValidationError, *, unnamed_to: str) -> None:
    # Password validators raise a plain list; everything else names its field.
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(unnamed_to, exc.messages)


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    get_own_profile(user)  # 404 for staff, who have no profile page
    form_class = TutorProfileForm if user.is_tutor else StudentProfileForm
    form = form_class(request.POST if request.method == "POST" else None, initial=initial_for(user))
    if request.method == "POST" and form.is_valid():
        if user.is_tutor:
            services.update_tutor_profile(user=user, **form.cleaned_data)
        else:
            services.update_student_profile(user=user, **form.cleaned_data)
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    return render(request, "accounts/profile_form.html", {"form": form}, status=_status(form))


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password has been changed.")
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
