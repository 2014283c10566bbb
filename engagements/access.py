"""Engagements and delivered files are private to their student, their tutor and staff."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from engagements.models import DeliveryFile, Engagement


def get_engagement_for(user: User, pk: int) -> Engagement:
    engagement = get_object_or_404(
        Engagement.objects.select_related("question", "question__subject", "bid", "student", "tutor"), pk=pk
    )
    if not (user.is_staff or user.pk in (engagement.student_id, engagement.tutor_id)):
        raise Http404("No such engagement.")
    return engagement


def get_delivery_file_for(user: User, pk: int) -> DeliveryFile:
    file = get_object_or_404(DeliveryFile.objects.select_related("delivery__engagement"), pk=pk)
    engagement = file.delivery.engagement
    if not (user.is_staff or user.pk in (engagement.student_id, engagement.tutor_id)):
        raise Http404("No such file.")
    return file
