from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from engagements.access import get_engagement_for
from reviews import services
from reviews.models import RATING_FIELDS, Review
from web.forms import add_service_errors, status_for
from web.forms.reviews import ReplyForm, ReviewForm


@login_required
@require_http_methods(["GET", "POST"])
def review_engagement(request, pk):
    engagement = get_engagement_for(request.user, pk)
    if request.user.pk != engagement.student_id:
        raise PermissionDenied("Only the student on this engagement can review it.")
    review = Review.objects.filter(engagement=engagement).first()
    initial = {name: getattr(review, name) for name in [*RATING_FIELDS, "text"]} if review else None
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if review:
                services.edit_review(review=review, by=request.user, **form.cleaned_data)
            else:
                services.create_review(engagement=engagement, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you! Your review is on the tutor's profile.")
            return redirect(engagement)
    context = {"form": form, "engagement": engagement, "review": review}
    return render(request, "reviews/review_form.html", context, status=status_for(form))


@login_required
@require_POST
def reply(request, pk):
    review = get_object_or_404(Review.objects.visible(), pk=pk, tutor_id=request.user.pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_review(review=review, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your reply is published.")
    else:
        messages.error(request, "Write your reply before sending it.")
    return redirect("tutor_profile", pk=request.user.pk)
