from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from bidding import services
from bidding.access import get_bid_to_accept, get_own_bid
from core.money import major_text
from engagements import services as engagement_services
from questions.access import get_question_for
from web.forms import add_service_errors, status_for
from web.forms.bids import BidForm
from web.questions import question_detail


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
    return render(request, "bids/bid_form.html", {"form": form, "bid": bid}, status=status_for(form))


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


@login_required
@require_POST
def accept_bid(request, pk):
    bid = get_bid_to_accept(request.user, pk)
    try:
        engagement = engagement_services.accept_bid(bid=bid, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(bid.question)
    messages.success(request, f"You accepted {bid.tutor.full_name}'s bid. Pay to start the work.")
    return redirect(engagement)
