"""Staff pages outside the admin: the payments reconciliation report and deciding a dispute."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from payments import ledger, selectors, services
from payments.access import get_dispute_for_staff, require_staff
from web.forms import add_service_errors
from web.forms.payments import ResolveDisputeForm


@login_required
def reconciliation(request):
    require_staff(request.user)
    report = None
    if request.method == "POST":
        report = services.reconcile(everything=True)
        messages.success(request, report.lines()[0])
    context = {
        "totals": ledger.totals_by_currency(),
        "summary": selectors.staff_summary(),
        "mismatches": report.mismatches if report else services.find_mismatches(),
    }
    return render(request, "staff/reconciliation.html", context)


@login_required
def resolve_dispute(request, pk):
    engagement = get_dispute_for_staff(request.user, pk)
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
            messages.success(request, "Dispute resolved; the money has moved.")
            return redirect(engagement)
    context = {"engagement": engagement, "escrow": escrow, "form": form}
    return render(request, "staff/resolve_dispute.html", context, status=400 if form.errors else 200)
