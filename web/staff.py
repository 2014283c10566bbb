"""Staff pages outside the admin: the payments reconciliation report and the dispute desk."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chat.models import Conversation
from engagements.models import Engagement
from payments import ledger, selectors, services
from payments.access import require_staff
from payments.models import Discrepancy, WebhookEvent
from payments.tasks import reconcile_task
from web.forms import add_service_errors
from web.forms.payments import ResolveDiscrepancyForm, ResolveDisputeForm


@login_required
def reconciliation(request):
    """Reads stored results only: comparing with the gateways and re-checking run in the background."""
    require_staff(request.user)
    if request.method == "POST":
        if request.POST.get("action") == "compare":
            run = services.start_comparison(by=request.user)
            messages.success(request, f"Comparison {run.pk} is under way; this page shows its progress.")
        else:
            reconcile_task.enqueue(everything=True)
            messages.success(request, "Re-checking everything pending with the gateways, in the background.")
        return redirect("payments_reconciliation")
    overview = selectors.reconciliation_overview()
    running = any(run.status in ("queued", "running") for run in overview["runs"][:1])
    context = {
        "totals": ledger.totals_by_currency(),
        "summary": selectors.staff_summary(),
        "mismatches": services.find_mismatches(),
        "running": running,
        **overview,
    }
    return render(request, "staff/reconciliation.html", context)


WEBHOOK_VIEWS = {
    "attention": ("Need a look", [WebhookEvent.Status.DEAD, WebhookEvent.Status.MALFORMED]),
    "waiting": ("Waiting", [WebhookEvent.Status.RECEIVED]),
    "done": ("Processed or ignored", [WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED]),
}


@login_required
def webhooks(request):
    """Gateway webhooks as received: dead-lettered and malformed ones first, each replayable."""
    require_staff(request.user)
    shown = request.GET.get("show", "attention")
    if shown not in WEBHOOK_VIEWS:
        shown = "attention"
    statuses = WEBHOOK_VIEWS[shown][1]
    events = WebhookEvent.objects.filter(status__in=statuses).order_by("-received_at", "-id")[:100]
    context = {
        "events": events,
        "shown": shown,
        "views": WEBHOOK_VIEWS,
        "max_attempts": settings.WEBHOOK_MAX_ATTEMPTS,
    }
    return render(request, "staff/webhooks.html", context)


@login_required
@require_POST
def replay_webhook(request, pk):
    require_staff(request.user)
    event = get_object_or_404(WebhookEvent, pk=pk)
    try:
        event = services.replay_webhook(event=event, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Replayed {event.event_type}: now {event.get_status_display().lower()} ({event.note})."
        )
    shown = request.POST.get("show", "")
    return redirect(f"{reverse('payment_webhooks')}?show={shown if shown in WEBHOOK_VIEWS else 'attention'}")


@login_required
@require_POST
def resolve_discrepancy(request, pk):
    require_staff(request.user)
    discrepancy = get_object_or_404(Discrepancy, pk=pk)
    form = ResolveDiscrepancyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["note"][0])
        services.resolve_discrepancy(discrepancy=discrepancy, by=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Marked resolved: {discrepancy.get_kind_display().lower()} {discrepancy.key}.")
    return redirect("payments_reconciliation")


# --- The dispute desk ---------------------------------------------------------------------------

CHAT_TAIL = 30  # the case page shows the conversation's last messages; the whole thread is a link away


@login_required
def dispute_desk(request):
    """Open disputes, the longest waiting first, and the last few decided."""
    require_staff(request.user)
    related = ("question", "student", "tutor", "escrow")
    context = {
        "disputes": Engagement.objects.open_disputes().select_related(*related),
        "decided": Engagement.objects.decided_disputes().select_related(*related)[:10],
    }
    return render(request, "staff/dispute_desk.html", context)


@login_required
def dispute_case(request, pk):
    """One dispute: the question, both sides, the delivery, the money held, and the decision."""
    require_staff(request.user)
    engagement = get_object_or_404(
        Engagement.objects.with_dispute().select_related("question", "question__subject", "student", "tutor", "bid"),
        pk=pk,
        dispute_opened_at__isnull=False,
    )
    escrow = getattr(engagement, "escrow", None)
    form = ResolveDisputeForm(request.POST or None, currency=engagement.currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.resolve_dispute(
                engagement=engagement,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                refund_amount=form.cleaned_data["refund_amount"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Dispute resolved; the money has moved. Both people have been told.")
            return redirect(engagement)
    context = {"engagement": engagement, "escrow": escrow, "form": form, **_case_file(engagement, escrow)}
    return render(request, "staff/dispute_case.html", context, status=400 if form.errors else 200)


def _case_file(engagement: Engagement, escrow) -> dict:
    """What both sides said and sent, and what each decision would pay."""
    conversation = Conversation.objects.filter(bid_id=engagement.bid_id).first()
    held = escrow.amount if escrow is not None and escrow.status == "held" else 0
    commission = services.commission_for(held, engagement.currency) if held else 0
    return {
        "attachments": list(engagement.question.attachments.all()),
        "deliveries": engagement.deliveries.prefetch_related("files"),
        "events": engagement.events.select_related("actor"),
        "conversation": conversation,
        "chat": conversation.messages.before(None, CHAT_TAIL) if conversation else [],
        "chat_count": conversation.messages.count() if conversation else 0,
        "held": held,
        "release_commission": commission,
        "release_to_tutor": held - commission,
        "opened_by_student": engagement.dispute_opened_by_id == engagement.student_id,  # type: ignore[attr-defined]  # with_dispute()
    }
