from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.money import format_money
from core.uploads import file_response
from engagements import services
from engagements.access import get_delivery_file_for, get_engagement_for
from engagements.models import Engagement
from payments import selectors as payment_selectors
from payments import services as payment_services
from web.fees import fee_for
from web.forms import add_service_errors, status_for
from web.forms.engagements import ApproveForm, DeliveryForm, DisputeForm, RevisionForm


@login_required
def engagement_list(request):
    engagements = (
        Engagement.objects.for_user(request.user)
        .select_related("question", "student", "tutor")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status", "")
    if status in Engagement.Status.values:
        engagements = engagements.filter(status=status)
    context = {"engagements": engagements[:100], "status": status, "statuses": Engagement.Status.choices}
    return render(request, "engagements/engagement_list.html", context)


@login_required
def engagement_detail(request, pk, forms=None):
    engagement = get_engagement_for(request.user, pk)
    user = request.user
    forms = forms or {}
    is_student, is_tutor = user.pk == engagement.student_id, user.pk == engagement.tutor_id
    Status = Engagement.Status
    money = payment_selectors.engagement_money(engagement)
    escrow = money.escrow
    context = {
        "engagement": engagement,
        "is_student": is_student,
        "is_tutor": is_tutor,
        "deliveries": engagement.deliveries.prefetch_related("files"),
        "events": engagement.events.select_related("actor"),
        "review": getattr(engagement, "review", None),
        "delivery_form": forms.get("deliver")
        or (DeliveryForm() if is_tutor and engagement.status == Status.IN_PROGRESS else None),
        "revision_form": forms.get("revision") or RevisionForm(prefix="revision"),
        "dispute_form": forms.get("dispute") or DisputeForm(prefix="dispute"),
        "approve_form": forms.get("approve") or _approve_form(engagement),
        "can_cancel": services.may_cancel(engagement, user),
        "money": money,
        "fee": fee_for(engagement.amount, engagement.currency),
        # What left escrow for the tutor before commission: with the refund, all the student paid.
        "released": escrow.amount - escrow.to_student if escrow else 0,
        "decision": engagement.events.filter(from_status=Status.DISPUTED).select_related("actor").last(),
        "can_dispute": (is_student or is_tutor) and engagement.status in (Status.IN_PROGRESS, Status.DELIVERED),
    }
    status = max((status_for(form) for form in forms.values()), default=200)
    return render(request, "engagements/engagement_detail.html", context, status=status)


def _approve_form(engagement: Engagement, data=None) -> ApproveForm:
    amount = format_money(engagement.amount, engagement.currency)
    return ApproveForm(data, tutor_name=engagement.tutor.full_name, amount_display=amount)


def _act(request, engagement, action, done: str):
    # The access helper already let only the two parties (and staff) this far, so a refusal
    # here is about their role or the timing: explain it on the page instead of a bare 403.
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(engagement)


@login_required
@require_POST
def deliver(request, pk):
    engagement = get_engagement_for(request.user, pk)
    form = DeliveryForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.deliver_work(
                engagement=engagement,
                by=request.user,
                message=form.cleaned_data["message"],
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, unnamed_to="attachments")
        else:
            messages.success(request, "Delivered. The student has been told and can approve it.")
            return redirect(engagement)
    return engagement_detail(request, pk, forms={"deliver": form})


@login_required
@require_POST
def approve(request, pk):
    engagement = get_engagement_for(request.user, pk)
    form = _approve_form(engagement, request.POST)
    # The student confirms first; anyone else is refused by the service, in its own words.
    if request.user.pk == engagement.student_id and not form.is_valid():
        return engagement_detail(request, pk, forms={"approve": form})
    return _act(
        request,
        engagement,
        lambda: payment_services.approve_and_release(engagement=engagement, by=request.user),
        "Approved. The tutor is paid. Please rate how it went.",
    )


def _with_reason(request, pk, *, prefix: str, form_class, action, done: str):
    """A POST that needs a written reason: show the form again when it is missing."""
    engagement = get_engagement_for(request.user, pk)
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        return engagement_detail(request, pk, forms={prefix: form})
    reason = form.cleaned_data["reason"]
    return _act(request, engagement, lambda: action(engagement=engagement, by=request.user, reason=reason), done)


@login_required
@require_POST
def request_revision(request, pk):
    return _with_reason(
        request,
        pk,
        prefix="revision",
        form_class=RevisionForm,
        action=services.request_revision,
        done="Revision requested. The tutor has been told what to change.",
    )


@login_required
@require_POST
def open_dispute(request, pk):
    return _with_reason(
        request,
        pk,
        prefix="dispute",
        form_class=DisputeForm,
        action=services.open_dispute,
        done="Dispute opened. Our staff will look at it and contact you both.",
    )


@login_required
@require_POST
def cancel(request, pk):
    engagement = get_engagement_for(request.user, pk)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        engagement,
        lambda: payment_services.cancel_and_refund(engagement=engagement, by=request.user, reason=reason),
        "The engagement is cancelled." + (" Your payment is being refunded." if engagement.funded_at else ""),
    )


@login_required
def download_delivery_file(request, pk):
    return file_response(get_delivery_file_for(request.user, pk))
