from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from bidding.access import BID_SORTS, bids_visible_to
from bidding.models import Bid
from core.money import major_text, to_minor
from core.uploads import file_response
from questions import feed_cache, services
from questions.access import can_see_attachments, get_attachment_for, get_own_question, get_question_for
from questions.feed import FeedFilters, open_questions, page
from questions.models import Question
from web.forms import add_service_errors, status_for
from web.forms.bids import BidForm
from web.forms.questions import AttachForm, FeedForm, NewQuestionForm, QuestionForm

QUESTION_FIELDS = ["title", "body", "subject", "level", "deadline", "budget", "currency"]


def _students_only(user) -> None:
    if not user.is_student:
        raise PermissionDenied("Only student accounts post questions.")


@login_required
@require_http_methods(["GET", "POST"])
def new_question(request):
    _students_only(request.user)
    form = NewQuestionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in QUESTION_FIELDS}
        try:
            question, posted = _post_once(request.user, files=form.cleaned_data["attachments"], fields=fields)
        except ValidationError as exc:
            add_service_errors(form, exc, unnamed_to="attachments")
        else:
            messages.success(request, POSTED if posted else ALREADY_POSTED)
            return redirect(question)
    return render(request, "questions/question_form.html", {"form": form}, status=status_for(form))


POSTED = "Your question is posted. Tutors can bid now; we'll tell you when they do."
ALREADY_POSTED = "Your question is posted (you sent it twice, so we kept one). Tutors can bid now."
# A second copy of the same question this soon is the form sent twice (a double tap on a slow link).
TWIN_WINDOW = timedelta(minutes=1)


def _post_once(student, *, files, fields: dict) -> tuple[Question, bool]:
    """Post the question, unless the student posted the very same one within the last minute: then
    that one is the answer, and False says nothing new was posted. The student's row is locked so
    two copies arriving together are checked one after the other."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=student.pk)
        twin = (
            Question.objects.filter(
                student=student,
                title=fields["title"].strip(),
                body=fields["body"].strip(),
                subject=fields["subject"],
                level=fields["level"],
                created_at__gte=timezone.now() - TWIN_WINDOW,
            )
            .order_by("-created_at")
            .first()
        )
        if twin is not None:
            return twin, False
        return services.post_question(student=student, files=files, **fields), True


@login_required
@require_http_methods(["GET", "POST"])
def edit_question(request, pk):
    question = get_own_question(request.user, pk)
    if not question.is_editable:
        messages.error(request, services.NOT_EDITABLE)
        return redirect(question)
    initial = {name: getattr(question, name) for name in QUESTION_FIELDS}
    initial["budget"] = major_text(question.budget, question.currency)
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in QUESTION_FIELDS}
        try:
            services.update_question(question=question, by=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your question is updated.")
            return redirect(question)
    context = {"form": form, "question": question}
    return render(request, "questions/question_form.html", context, status=status_for(form))


@login_required
@require_POST
def cancel_question(request, pk):
    question = get_own_question(request.user, pk)
    try:
        services.cancel_question(question=question, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Your question is cancelled. Tutors can no longer bid.")
    return redirect(question)


@login_required
@require_POST
def attach_files(request, pk):
    question = get_own_question(request.user, pk)
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.add_attachments(question=question, by=request.user, files=form.cleaned_data["attachments"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Attached {len(added)} file{'s' if len(added) != 1 else ''}.")
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect(question)


@login_required
def download_attachment(request, pk):
    return file_response(get_attachment_for(request.user, pk))


@login_required
def my_questions(request):
    _students_only(request.user)
    questions = Question.objects.filter(student=request.user).select_related("subject", "level")
    return render(request, "questions/my_questions.html", {"questions": questions.order_by("-created_at", "-id")})


@login_required
def feed(request):
    if not (request.user.is_tutor or request.user.is_staff):
        raise PermissionDenied("The question feed is for tutors.")
    results = feed_cache.cached_html(request.GET.urlencode(), lambda: _feed_results(request.GET))
    # The cached HTML is our own template's output, escaped when it was rendered.
    return render(request, "questions/feed.html", {"results": mark_safe(results)})  # noqa: S308


def _feed_results(query_dict) -> str:
    """The filters and the list of questions: the same for every tutor, so rendered without the
    request (no user, no context processors) and safe to share through the cache."""
    form = FeedForm(query_dict or None)
    questions, next_cursor = page(open_questions(_filters(form)), cursor=query_dict.get("after", ""))
    query = query_dict.copy()
    query.pop("after", None)
    context = {"form": form, "questions": questions, "next_cursor": next_cursor, "query": query.urlencode()}
    return render_to_string("questions/feed.html#results", context)


def _filters(form: FeedForm) -> FeedFilters:
    if not form.is_bound:
        return FeedFilters()
    form.is_valid()  # a bad field gets its message and is left out; the valid ones still filter
    data = form.cleaned_data
    budget_min, budget_max = data.get("budget_min"), data.get("budget_max")
    currency = settings.DEFAULT_CURRENCY  # budget filters are in the site's main currency
    return FeedFilters(
        subject=data.get("subject"),
        level=data.get("level"),
        currency=currency if budget_min is not None or budget_max is not None else None,
        budget_min=to_minor(budget_min, currency) if budget_min is not None else None,
        budget_max=to_minor(budget_max, currency) if budget_max is not None else None,
        due_within_hours=data.get("due_within"),
        search=data.get("q", ""),
    )


@login_required
def question_detail(request, pk, bid_form=None):
    question = get_question_for(request.user, pk)
    user = request.user
    sort = request.GET.get("sort") if request.GET.get("sort") in BID_SORTS else "price"
    bids = [bid for bid in bids_visible_to(user, question) if bid.status in (Bid.Status.LIVE, Bid.Status.ACCEPTED)]
    bids.sort(key=BID_SORTS[sort])
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
    template = "questions/question_detail.html" + ("#board" if request.GET.get("partial") == "board" else "")
    return render(request, template, context, status=status_for(bid_form) if bid_form else 200)
