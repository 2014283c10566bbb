from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from bidding import services
from bidding.access import bids_visible_to, get_own_bid
from bidding.forms import BidForm
from bidding.models import Bid
from experthive.forms import add_service_errors, status_for
from experthive.money import major_text
from questions.access import can_see_attachments, get_question_for
from questions.forms import AttachForm

SORTS = {
    "price": lambda bid: (bid.amount, bid.delivery_hours),
    "delivery": lambda bid: (bid.delivery_hours, bid.amount),
    "rating": lambda bid: (-(bid.tutor.stats.rating or 0) if hasattr(bid.tutor, "stats") else 0, bid.amount),
}


@login_required
def question_detail(request, pk, bid_form=None):
    question = get_question_for(request.user, pk)
    user = request.user
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "price"
    bids = [bid for bid in bids_visible_to(user, question) if bid.status in (Bid.Status.LIVE, Bid.Status.ACCEPTED)]
    bids.sort(key=SORTS[sort])
    files = list(question.attachments.all())
    own_bid = next((bid for bid in bids if bid.tutor_id == user.pk), None)
    if bid_form is None and user.is_tutor and own_bid is None and question.is_open:
        bid_form = BidForm(currency=question.currency)
    context = {
        "question": question,
        "is_owner": question.student_id == user.pk,
        "bids": bids,
        "own_bid": own_bid,
        "sort": sort,
        "bid_form": bid_form,
        "attachments": files if can_see_attachments(user, question) else None,
        "attachment_count": len(files),
        "attach_form": AttachForm() if question.student_id == user.pk and question.is_editable else None,
        "engagement": question.engagements.exclude(status="cancelled").first(),
    }
    # ?partial=board: just the bids, for the live bid board to swap in when a bid changes.
    template = "bidding/question_detail.html" + ("#board" if request.GET.get("partial") == "board" else "")
    return render(request, template, context, status=status_for(bid_form) if bid_form else 200)


@login_required
@require_POST
def place_bid(request, pk):
    question = get_question_for(request.user, pk)
    form = BidForm(request.POST, currency=question.currency)
    if form.is_valid():
        try:
            services.place_bid(question=question, tutor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your bid is in. The student will be told.")
            return redirect(question)
    return question_detail(request, pk, bid_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def edit_bid(request, pk):
    bid = get_own_bid(request.user, pk)
    initial = {
        "amount": major_text(bid.amount, bid.currency),
        "delivery_hours": bid.delivery_hours,
        "message": bid.message,
    }
    form = BidForm(request.POST or None, initial=initial, currency=bid.currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_bid(bid=bid, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your bid is updated.")
            return redirect(bid.question)
    return render(request, "bidding/bid_form.html", {"form": form, "bid": bid}, status=status_for(form))


@login_required
@require_POST
def withdraw_bid(request, pk):
    bid = get_own_bid(request.user, pk)
    try:
        services.withdraw_bid(bid=bid, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Your bid is withdrawn.")
    return redirect(bid.question)
