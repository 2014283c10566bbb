from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from catalog.models import Level, Subject
from questions.access import get_own_question, get_question_for
from recommendations import queries, services, tasks
from recommendations.models import Impression
from recommendations.pricing import price_hint


@login_required
def recommended(request):
    """The tutor's "Recommended for you" feed, with why for each card."""
    if not request.user.is_tutor:
        raise PermissionDenied("Recommendations are for tutors.")
    row, stale = queries.tutor_row(request.user)
    if stale:
        tasks.tutor_changed(request.user.pk)  # fresher next time; this page uses what is stored
    cards = queries.recommended_questions(row, request.user)
    services.log_impressions(
        viewer=request.user,
        surface=Impression.Surface.TUTOR_FEED,
        matches=[card.match for card in cards],
        reasons=[card.reason for card in cards],
        explored=set(),
    )
    return render(request, "recommendations/recommended.html", {"cards": cards, "is_new": row is None})


@login_required
def question_tutors(request, pk):
    """ "Tutors who could help": the whole page, or just the list when htmx asks for it."""
    question = get_own_question(request.user, pk)
    vector, indexed = queries.question_vector(question)
    if not indexed:
        tasks.question_changed(question.pk)
    cards = queries.suggested_tutors(question, vector) if question.is_open else []
    services.log_impressions(
        viewer=request.user,
        surface=Impression.Surface.QUESTION_TUTORS,
        matches=[card.match for card in cards],
        reasons=[card.reason for card in cards],
        explored={card.tutor.pk for card in cards if card.explored},
    )
    template = "recommendations/question_tutors.html"
    if request.headers.get("HX-Request"):
        template += "#tutor-list"
    return render(request, template, {"question": question, "cards": cards})


@login_required
@require_POST
def invite(request, pk, tutor_pk):
    question = get_own_question(request.user, pk)
    tutor = get_object_or_404(User, pk=tutor_pk, role=User.Role.TUTOR, is_active=True)
    try:
        services.invite_tutor(question=question, tutor=tutor, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{tutor.full_name} is invited to bid. We've told them.")
    return redirect(question)


def _hours_left(text: str) -> float | None:
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(text or "")
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return (moment - timezone.now()).total_seconds() / 3600


def _choice(model, value: str):
    return model.objects.filter(pk=value).first() if value.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
def posting_price_hint(request):
    """The fair-price fragment beside the question form; it follows the fields as they change.
    POST because it carries the question's text (for its length), which can be long for a URL."""
    params = request.POST if request.method == "POST" else request.GET
    hint = price_hint(
        subject=_choice(Subject, params.get("subject", "")),
        level=_choice(Level, params.get("level", "")),
        currency=params.get("currency", "NGN"),
        words=len(params.get("body", "").split()),
        hours_left=_hours_left(params.get("deadline", "")),
    )
    return render(request, "recommendations/_price_hint.html", {"hint": hint, "for_tutor": False})


@login_required
def question_price_hint(request, pk):
    """The same hint for a tutor about to bid on a question."""
    question = get_question_for(request.user, pk)
    hint = price_hint(
        subject=question.subject,
        level=question.level,
        currency=question.currency,
        words=len(question.body.split()),
        hours_left=(question.deadline - timezone.now()).total_seconds() / 3600,
    )
    return render(request, "recommendations/_price_hint.html", {"hint": hint, "for_tutor": True})
