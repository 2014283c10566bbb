"""The public tutor pages: the list with a subject filter, and one tutor with reviews."""

from django.db.models import Prefetch
from django.shortcuts import render

from accounts.access import get_public_tutor_profile
from accounts.models import TutorProfile
from bidding.models import TutorStats
from catalog.models import Subject
from reviews.models import Review
from web.forms.reviews import ReplyForm


def tutor_profile(request, pk):
    profile = get_public_tutor_profile(pk)
    stats = TutorStats.objects.filter(tutor_id=pk).first()
    reviews = Review.objects.visible().filter(tutor_id=pk).select_related("student", "engagement__question")[:20]
    context = {
        "profile": profile,
        "tutor": profile.user,
        "stats": stats,
        "reviews": reviews,
        "reply_form": ReplyForm() if request.user.pk == pk else None,
    }
    return render(request, "tutors/tutor_profile.html", context)


def tutor_list(request):
    subjects = Subject.objects.active()
    slug = request.GET.get("subject")
    chosen = subjects.filter(slug=slug).first() if slug else None
    tutors = TutorProfile.objects.public().select_related("user__stats")
    tutors = tutors.prefetch_related(Prefetch("subjects", queryset=Subject.objects.order_by("name")))
    if chosen:
        tutors = tutors.filter(subjects=chosen)
    tutors = tutors.order_by("-user__date_joined")[:50]
    return render(request, "tutors/tutor_list.html", {"tutors": tutors, "subjects": subjects, "chosen": chosen})
