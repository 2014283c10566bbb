"""The sandbox's pages: the hosted checkout a customer sees, a control page for staff, and the providers'
JSON answer to a path they don't have."""

import re
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt

from core.money import MINOR_DIGITS, to_minor
from payments.sandbox import events, settle
from payments.sandbox.core import inject_fault
from payments.sandbox.models import (
    SandboxCharge,
    SandboxChargeback,
    SandboxFault,
    SandboxRefund,
    SandboxTransfer,
    SandboxWebhook,
)
from payments.sandbox.tasks import deliver_delayed

OPEN = {"pending", "abandoned"}
OUTCOMES = [
    ("pay", "Pay"),
    ("underpay", "Pay less than asked"),
    ("overpay", "Pay more than asked"),
    ("wrong_currency", "Pay in another currency"),
    ("fail", "Card declined"),
    ("cancel", "Cancel"),
]


class CheckoutForm(forms.Form):
    outcome = forms.ChoiceField(choices=OUTCOMES)
    webhook = forms.ChoiceField(
        label="Webhook",
        initial="send",
        choices=[
            ("send", "Send it"),
            ("duplicate", "Send it twice"),
            ("delay", "Hold it back (deliver from the sandbox page)"),
            ("drop", "Never send it"),
        ],
        help_text="How the sandbox notifies the site after you choose.",
    )


def checkout(request, gateway, token):
    """The hosted payment page, reachable by its unguessable token alone (the customer has no account here)."""
    charge = get_object_or_404(SandboxCharge, gateway=gateway, token=token)
    if not returns_to_this_site(request, charge.redirect_url):
        return render(request, "sandbox/refused.html", {"charge": charge}, status=400)
    form = CheckoutForm(request.POST or None)
    if request.method == "POST" and charge.status in OPEN and form.is_valid():
        with transaction.atomic():  # a page that fails pays nothing (and its webhook is never sent)
            settle.finish_charge(charge, outcome=form.cleaned_data["outcome"], webhook=form.cleaned_data["webhook"])
            if not charge.redirect_url:  # Paystack without a callback_url keeps the customer on its page
                return render(request, "sandbox/done.html", {"charge": charge})
            return redirect(back_to_merchant(charge))
    context = {"charge": charge, "form": form, "is_open": charge.status in OPEN, "outcomes": OUTCOMES}
    return render(request, "sandbox/checkout.html", context)


def returns_to_this_site(request, url: str) -> bool:
    """Where the customer is sent back must be this site: a path on it, or an address on the host of
    SITE_URL, of the host serving this page, or of the merchant's webhook address (a sandbox served on
    its own, as in the rehearsal). Anything else would make the sandbox an open redirect."""
    if not url:
        return True
    hosts = {request.get_host(), urlsplit(settings.SITE_URL).netloc, urlsplit(settings.SANDBOX_WEBHOOK_URL).netloc}
    names = {urlsplit(f"//{host}").hostname for host in hosts if host}
    target = urlsplit(url)
    if target.netloc and target.hostname not in names:
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts={target.netloc} if target.netloc else None)


def back_to_merchant(charge: SandboxCharge) -> str:
    """Where the gateway sends the customer back, with the query string each provider adds."""
    if charge.gateway == "flutterwave":
        query = {"status": charge.status, "tx_ref": charge.reference}
        if charge.status != "cancelled":
            query["transaction_id"] = str(charge.pk)
    else:
        query = {"trxref": charge.reference, "reference": charge.reference}
    joiner = "&" if "?" in charge.redirect_url else "?"
    return f"{charge.redirect_url}{joiner}{urlencode(query)}"


OPERATIONS = [
    "checkout",
    "verify",
    "refund",
    "refund_status",
    "refund_list",
    "transaction_list",
    "transfer_list",
    "chargeback_list",
    "banks",
    "resolve",
    "transfer",
    "transfer_status",
    "webhook",
]


class FaultForm(forms.Form):
    gateway = forms.ChoiceField(choices=[("flutterwave", "Flutterwave"), ("paystack", "Paystack")])
    operation = forms.ChoiceField(choices=[(name, name) for name in OPERATIONS])
    mode = forms.ChoiceField(choices=SandboxFault.Mode.choices)
    times = forms.IntegerField(min_value=1, max_value=20, initial=1)


class EventForm(forms.Form):
    """One of the provider-side events, on one sandbox record; an amount (major units) or all of it."""

    event = forms.ChoiceField(
        choices=[
            ("refund", "Refund on the dashboard"),
            ("chargeback", "Open a chargeback"),
            ("reverse", "Reverse the transfer"),
            ("won", "Chargeback won"),
            ("lost", "Chargeback lost"),
        ]
    )
    pk = forms.IntegerField(min_value=1)
    amount = forms.CharField(required=False, max_length=20)


EVENT_DONE = {
    "refund": "Refunded on the dashboard.",
    "chargeback": "Chargeback opened.",
    "reverse": "Transfer reversed by the bank.",
    "won": "Chargeback closed: won.",
    "lost": "Chargeback closed: lost.",
}


def staff_only(view):
    """The control page moves money in the fake gateways: staff only, even in development."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


@staff_only
def control(request):
    form = FaultForm(request.POST if "operation" in request.POST else None)
    if request.method == "POST":
        if "deliver" in request.POST:
            messages.success(request, f"Delivered {deliver_delayed()} held-back webhook(s).")
        elif "event" in request.POST:
            run_event(request, EventForm(request.POST))
        elif form.is_valid():
            inject_fault(**form.cleaned_data)
            messages.success(request, "Fault armed.")
        else:
            return render(request, "sandbox/control.html", control_context(form), status=400)
        return redirect("sandbox_control")
    return render(request, "sandbox/control.html", control_context(form))


def run_event(request, form: EventForm) -> None:
    if not form.is_valid():
        messages.error(request, "That event needs a record and, if given, an amount like 5000 or 5,000.50.")
        return
    event, pk = form.cleaned_data["event"], form.cleaned_data["pk"]
    try:
        if event in ("refund", "chargeback"):
            charge = get_object_or_404(SandboxCharge, pk=pk)
            amount = minor_or_all(form.cleaned_data["amount"], charge.currency)
            (events.refund_at_gateway if event == "refund" else events.open_chargeback)(charge, amount)
        elif event == "reverse":
            events.reverse_transfer(get_object_or_404(SandboxTransfer, pk=pk))
        else:
            events.close_chargeback(get_object_or_404(SandboxChargeback, pk=pk), won=event == "won")
    except (events.Refused, ValueError) as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, EVENT_DONE[event])


def minor_or_all(text: str, currency: str) -> int | None:
    return to_minor(text, currency) if text.strip() and currency in MINOR_DIGITS else None


def control_context(form: FaultForm) -> dict:
    return {
        "form": form,
        "charges": SandboxCharge.objects.order_by("-id")[:20],
        "transfers": SandboxTransfer.objects.order_by("-id")[:20],
        "refunds": SandboxRefund.objects.select_related("charge").order_by("-id")[:20],
        "chargebacks": SandboxChargeback.objects.select_related("charge").order_by("-id")[:20],
        "held": SandboxWebhook.objects.filter(delayed=True, sent_at=None).count(),
        "faults": SandboxFault.objects.filter(remaining__gt=0),
    }


NOT_FOUND = {
    "flutterwave": lambda: JsonResponse({"status": "error", "message": "Route not found", "data": None}, status=404),
    "paystack": lambda: JsonResponse({"status": False, "message": "Route not found"}, status=404),
}


@csrf_exempt
def api_fallback(request, gateway: str):
    """A path the routes above don't match: the real hosts accept it with a doubled or trailing slash
    (a base URL ending in / joined to a path starting with one), so try it tidied; otherwise the
    provider's own JSON 404, never an HTML page."""
    tidy = re.sub(r"/{2,}", "/", request.path_info).rstrip("/")
    if tidy != request.path_info:
        try:
            match = resolve(tidy)
        except Resolver404:
            match = None
        if match is not None and match.func is not api_fallback:
            return match.func(request, *match.args, **match.kwargs)
    return NOT_FOUND[gateway]()
