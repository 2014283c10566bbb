"""The only permission gate for account objects: one helper per object, used by every view."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import StudentProfile, TutorProfile, User


def get_public_tutor_profile(pk: int) -> TutorProfile:
    """A tutor's public profile; a student's or deactivated account is a 404 to everyone."""
    return get_object_or_404(TutorProfile.objects.public(), user_id=pk)


def get_own_profile(user: User) -> StudentProfile | TutorProfile:
    """The signed-in user's own editable profile; staff have none."""
    if user.is_tutor:
        return TutorProfile.objects.get_or_create(user=user)[0]
    if user.is_student:
        return StudentProfile.objects.get_or_create(user=user)[0]
    raise Http404("Staff accounts have no public profile.")
