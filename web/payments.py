"""Pages for money: pay, come back from the gateway, webhooks, tutor earnings and bank accounts, staff tools."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.money import format_money, offered_currencies
from core.text import clause
from engagements.access import get_engagement_for
from payments import ledger, selectors, services
from payments.access import get_bank_account_for, get_payment_for, require_tutor
from payments.gateways.base import answer_within
from payments.models import Escrow, Payment, Payout
from payments.services.checkout import cancel_checkout
from web.fees import rate_text
from web.forms import add_service_errors
from web.forms.payments import BankAccountForm, PayoutForm

log = logging.getLogger("payments.webhooks")

RETURN_MESSAGES: dict[str, tuple[int, str]] = {
    Payment.Status.SUCCEEDED: (messages.SUCCESS, "Paid — held in escrow. The tutor has been told to start."),
    Payment.Status.CANCELLED: (messages.ERROR, "You cancelled the payment. Nothing was charged; you can pay again."),
    Payment.Status.DUPLICATE: (
        messages.WARNING,
        "This engagement was already paid, so this payment is being refunded.",
    ),
}
# While the gateway has not confirmed, the return page looks again this often, this many times.
RECHECK_SECONDS = 5
RECHECKS = 12


@login_required
@require_POST
def pay(request, pk):
    engagement = get_engagement_for(request.user, pk)
    try:
        payment = services.start_checkout(
            engagement=engagement,
            by=request.user,
            return_url=lambda ref: request.build_absolute_uri(reverse("payment_return", args=[ref])),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(engagement)
    return redirect(payment.checkout_url)


@login_required
def payment_return(request, reference):
    """The gateway sends the student back here. We ask the gateway ourselves; the query string only
    tells us the student pressed cancel, which is never a reason to credit anything."""
    payment = get_payment_for(request.user, reference)
    # The student is watching: ask briefly. The webhook and reconciliation wait the full timeout.
    with answer_within(settings.PAYMENT_RETURN_WAIT_SECONDS):
        payment = services.confirm_payment(payment=payment)
    if payment.status == Payment.Status.PENDING and request.GET.get("status") == "cancelled":
        payment = cancel_checkout(payment=payment)
    if payment.status == Payment.Status.PENDING:
        return _still_confirming(request, payment)
    if payment.status == Payment.Status.FAILED:
        reason = clause(payment.failure_reason) or "declined"
        messages.error(request, f"The payment did not go through: {reason}. Try again.")
    else:
        level, text = RETURN_MESSAGES[payment.status]
        messages.add_message(request, level, text)
    return redirect(payment.engagement)


def _still_confirming(request, payment: Payment):
    """No answer yet: this page says so and looks again by itself, for a minute or so."""
    try:
        check = int(request.GET.get("check", "0"))
    except ValueError:
        check = 0
    context = {
        "payment": payment,
        "engagement": payment.engagement,
        "refresh_seconds": RECHECK_SECONDS,
        "refresh_url": f"?check={check + 1}" if check < RECHECKS else "",
    }
    return render(request, "payments/return_pending.html", context)


# --- Tutors ------------------------------------------------------------------------------------


def _currency(request) -> str:
    currency = request.GET.get("currency") or request.POST.get("currency") or settings.DEFAULT_CURRENCY
    return currency if currency in offered_currencies() else settings.DEFAULT_CURRENCY


@login_required
def earnings(request, payout_form=None):
    require_tutor(request.user)
    currency = _currency(request)
    balances = ledger.tutor_balances(request.user)
    statement = selectors.statement_for(request.user, currency=currency)
    mine = balances.get(currency, ledger.empty_balances())
    held_fee = _held_fee(request.user, currency)
    context = {
        "currency": currency,
        "balances": mine,
        "other_currencies": sorted(c for c in balances if c != currency),
        "statement": _with_fees(statement),
        "held_fee": held_fee,
        "held_after_fee": mine["held"] - held_fee,
        "fee_rate": rate_text(),
        "payouts": Payout.objects.filter(tutor=request.user).select_related("bank_account")[:50],
        "bank_accounts": request.user.bank_accounts.filter(currency=currency),
        "no_bank_payouts": services.bank_payouts_problem(currency),
        "payout_form": payout_form or PayoutForm(tutor=request.user, currency=currency),
    }
    status = 400 if payout_form is not None and payout_form.errors else 200
    return render(request, "payments/earnings.html", context, status=status)


def _held_fee(tutor, currency: str) -> int:
    """The platform fee that will come out of what is held now (each engagement's own, with its minimum)."""
    held = Escrow.objects.filter(engagement__tutor=tutor, currency=currency, status=Escrow.Status.HELD)
    return sum(services.commission_for(amount, currency) for amount in held.values_list("amount", flat=True))


def _with_fees(statement: list[dict]) -> list[dict]:
    """Each release line says what left escrow and the fee taken, so held and available add up."""
    engagements = {line["engagement"].pk for line in statement if line["engagement"] and line["amount"] > 0}
    escrows = {escrow.engagement_id: escrow for escrow in Escrow.objects.filter(engagement_id__in=engagements)}
    for line in statement:
        escrow = escrows.get(line["engagement"].pk) if line["engagement"] else None
        if escrow and escrow.commission and line["amount"] == escrow.to_tutor:
            line["gross"], line["fee"] = escrow.to_tutor + escrow.commission, escrow.commission
    return statement


@login_required
@require_POST
def request_payout(request):
    require_tutor(request.user)
    currency = _currency(request)
    form = PayoutForm(request.POST, tutor=request.user, currency=currency)
    if form.is_valid():
        try:
            payout = services.request_payout(
                tutor=request.user, bank_account=form.cleaned_data["bank_account"], amount=form.cleaned_data["amount"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            amount = format_money(payout.amount, payout.currency)
            messages.success(request, f"Payout of {amount} requested. It is on its way to your bank.")
            return redirect(f"{reverse('earnings')}?currency={currency}")
    return earnings(request, payout_form=form)


@login_required
def bank_account_new(request):
    """Two steps: check the number (the bank's name for it is shown), then save."""
    require_tutor(request.user)
    currency = _currency(request)
    if problem := services.bank_payouts_problem(currency):
        # For good, not a passing outage: no form to fill in, and what the tutor can do instead.
        reason = {"currency": currency, "no_bank_payouts": problem}
        status = 400 if request.method == "POST" else 200
        return render(request, "payments/bank_account_form.html", reason, status=status)
    banks = services.banks_for(currency)
    form = BankAccountForm(request.POST or None, banks=banks, initial={"currency": currency})
    resolved = None
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in ("currency", "bank_code", "account_number")}
        try:
            if request.POST.get("step") == "save":
                account = services.add_bank_account(user=request.user, **fields)
                messages.success(request, f"Saved: {account}. Payouts can go there now.")
                return redirect(f"{reverse('earnings')}?currency={currency}")
            resolved = services.resolve_bank_account(user=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = {"form": form, "resolved": resolved, "currency": currency, "no_banks": not banks}
    return render(request, "payments/bank_account_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def bank_account_delete(request, pk):
    account = get_bank_account_for(request.user, pk)
    if account.payouts.exists():
        messages.error(request, "This account has payouts on record, so it stays for the history.")
    else:
        account.delete()
        messages.success(request, "Bank account removed.")
    return redirect("earnings")


# --- Staff -------------------------------------------------------------------------------------
