"""Writes to accounts. Views, admin actions and commands call these; none writes models itself."""

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import StudentProfile, TutorProfile, User
from catalog.models import Level, Subject
from core import changes

EMAIL_TAKEN = "An account with this email already exists. Log in, or reset your password."
ROLE_NOT_ALLOWED = "You can sign up as a student or as a tutor."


@transaction.atomic
def register_user(
    *,
    email: str,
    full_name: str,
    password: str,
    role: str,
    phone: PhoneNumber | str = "",
    level: Level | None = None,
) -> User:
    """Create a student or tutor account with its empty profile."""
    if role not in (User.Role.STUDENT, User.Role.TUTOR):
        raise ValidationError({"role": ROLE_NOT_ALLOWED})
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    user = User(email=email, full_name=full_name.strip(), phone=phone, role=role)
    validate_password(password, user)
    user.set_password(password)
    try:
        # A savepoint, so a lost race on the unique email leaves the outer transaction usable.
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"email": EMAIL_TAKEN}) from exc
    if role == User.Role.STUDENT:
        StudentProfile.objects.create(user=user, level=level)
    else:
        TutorProfile.objects.create(user=user)
    return user


def _update_contact(*, user: User, full_name: str, phone: PhoneNumber | str) -> None:
    if str(phone or "") != str(user.phone or ""):
        user.phone_verified_at = None  # a new number must be verified again
    user.full_name = full_name.strip()
    user.phone = phone
    user.save(update_fields=["full_name", "phone", "phone_verified_at"])


@transaction.atomic
def update_student_profile(
    *,
    user: User,
    full_name: str,
    phone: PhoneNumber | str,
    level: Level | None,
    institution: str = "",
) -> StudentProfile:
    _update_contact(user=user, full_name=full_name, phone=phone)
    profile, _ = StudentProfile.objects.get_or_create(user=user)
    profile.level = level
    profile.institution = institution.strip()
    profile.save()
    return profile


@transaction.atomic
def update_tutor_profile(
    *,
    user: User,
    full_name: str,
    phone: PhoneNumber | str,
    headline: str,
    bio: str,
    qualifications: str,
    subjects: Iterable[Subject],
    levels: Iterable[Level],
) -> TutorProfile:
    _update_contact(user=user, full_name=full_name, phone=phone)
    profile, _ = TutorProfile.objects.get_or_create(user=user)
    profile.headline = headline.strip()
    profile.bio = bio.strip()
    profile.qualifications = qualifications.strip()
    profile.save()
    profile.subjects.set(subjects)
    profile.levels.set(levels)
    changes.tutor_changed.announce(user.pk)  # headline, bio, subjects and levels feed their matching
    return profile


def deactivate_users(*, users: Iterable[User], by: User) -> int:
    """Stop accounts from logging in; staff never deactivate themselves by accident."""
    ids = [user.pk for user in users if user.pk != by.pk]
    return User.objects.filter(pk__in=ids, is_active=True).update(is_active=False)


@transaction.atomic
def mark_phone_verified(*, user: User, phone: PhoneNumber | str) -> bool:
    """The user proved they hold `phone` (by SMS code); False if their number changed meanwhile."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if str(locked.phone or "") != str(phone):
        return False
    locked.phone_verified_at = user.phone_verified_at = timezone.now()
    locked.save(update_fields=["phone_verified_at"])
    return True
