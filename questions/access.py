"""Who may see a question and its files. Every view and endpoint goes through here."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from questions.models import Attachment, Question


def can_see_question(user: User, question: Question) -> bool:
    """Its student and staff always; tutors while it is open, and always if they bid on it."""
    if not user.is_authenticated:
        return False
    if user.is_staff or question.student_id == user.pk:
        return True
    if user.is_tutor:
        return question.is_open or question.bids.filter(tutor=user).exists()
    return False


def can_see_attachments(user: User, question: Question) -> bool:
    """Files are private to the student, the tutors who bid, and staff."""
    if not user.is_authenticated:
        return False
    if user.is_staff or question.student_id == user.pk:
        return True
    return user.is_tutor and question.bids.filter(tutor=user).exists()


def get_question_for(user: User, pk: int) -> Question:
    question = get_object_or_404(Question.objects.select_related("subject", "level", "student"), pk=pk)
    if not can_see_question(user, question):
        raise Http404("No such question.")
    return question


def get_own_question(user: User, pk: int) -> Question:
    """A question its student may change; anyone else gets a 404."""
    return get_object_or_404(Question.objects.select_related("subject", "level"), pk=pk, student_id=user.pk)


def get_attachment_for(user: User, pk: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("question"), pk=pk)
    if not can_see_attachments(user, attachment.question):
        raise Http404("No such file.")
    return attachment
