from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from phonenumber_field.formfields import PhoneNumberField

from accounts.models import User
from catalog.models import Level, Subject

PHONE_HELP = "Nigerian numbers can start with 0 (e.g. 0803 123 4567); others need the country code (+44 ...)."
PHONE_INVALID = "Enter a valid mobile number, e.g. 0803 123 4567 or +44 7700 900123."


def phone_field(*, required: bool) -> PhoneNumberField:
    return PhoneNumberField(
        label="Mobile number",
        required=required,
        help_text=PHONE_HELP,
        error_messages={"invalid": PHONE_INVALID},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class SignupForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = phone_field(required=True)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirm password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", "The two passwords do not match.")
        return cleaned


class StudentSignupForm(SignupForm):
    level = forms.ModelChoiceField(
        label="Level of study", queryset=Level.objects.active(), required=False, empty_label="Choose later"
    )


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    error_messages = {
        "invalid_login": "That email and password do not match an account. Check both and try again.",
        "inactive": "This account has been deactivated. Contact support if you think this is a mistake.",
    }


class ContactForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    phone = phone_field(required=True)


class StudentProfileForm(ContactForm):
    level = forms.ModelChoiceField(
        label="Level of study", queryset=Level.objects.active(), required=False, empty_label="Not set"
    )
    institution = forms.CharField(label="School or university", max_length=150, required=False)


class TutorProfileForm(ContactForm):
    headline = forms.CharField(
        label="Headline", max_length=120, required=False, help_text='One line, e.g. "Physics teacher, 8 years".'
    )
    bio = forms.CharField(label="About you", max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    qualifications = forms.CharField(
        label="Qualifications",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Degrees, certificates and teaching experience.",
    )
    subjects = forms.ModelMultipleChoiceField(
        label="Subjects you teach",
        queryset=Subject.objects.active(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one subject, so students can find you."},
    )
    levels = forms.ModelMultipleChoiceField(
        label="Levels you teach",
        queryset=Level.objects.active(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one level."},
    )


def initial_for(user: User) -> dict:
    """The profile form's starting values for this user."""
    initial = {"full_name": user.full_name, "phone": user.phone}
    if user.is_tutor:
        tutor = user.tutor_profile
        initial.update(
            headline=tutor.headline,
            bio=tutor.bio,
            qualifications=tutor.qualifications,
            subjects=list(tutor.subjects.all()),
            levels=list(tutor.levels.all()),
        )
    elif user.is_student:
        student = user.student_profile
        initial.update(level=student.level, institution=student.institution)
    return initial
