"""The sandbox's pages: the hosted checkout a customer sees, and a control page for developers."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from payments.sandbox import settle
from payments.sandbox.core import inject_fault
from payments.sandbox.models import SandboxCharge, SandboxFault, SandboxRefund, SandboxTransfer, SandboxWebhook
from payments.sandbox.tasks import deliver_delayed

OPEN = {"pending", "abandoned"}


class CheckoutForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("pay", "Pay"), ("underpay", "Pay less than asked"), ("fail", "Card declined"), ("cancel", "Cancel")]
    )
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
    charge = get_object_or_404(SandboxCharge, gateway=gateway, token=token)
    form = CheckoutForm(request.POST or None)
    if request.method == "POST" and charge.status in OPEN and form.is_valid():
        settle.finish_charge(charge, outcome=form.cleaned_data["outcome"], webhook=form.cleaned_data["webhook"])
        return redirect(back_to_merchant(charge))
    return render(request, "sandbox/checkout.html", {"charge": charge, "form": form, "is_open": charge.status in OPEN})


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


class FaultForm(forms.Form):
    gateway = forms.ChoiceField(choices=[("flutterwave", "Flutterwave"), ("paystack", "Paystack")])
    operation = forms.ChoiceField(
        choices=[
            (name, name)
            for name in (
                "checkout",
                "verify",
                "refund",
                "refund_status",
                "refund_list",
                "banks",
                "resolve",
                "transfer",
                "transfer_status",
                "webhook",
            )
        ]
    )
    mode = forms.ChoiceField(choices=SandboxFault.Mode.choices)
    times = forms.IntegerField(min_value=1, max_value=20, initial=1)


def control(request):
    form = FaultForm(request.POST or None)
    if request.method == "POST":
        if "deliver" in request.POST:
            messages.success(request, f"Delivered {deliver_delayed()} held-back webhook(s).")
            return redirect("sandbox_control")
        if form.is_valid():
            inject_fault(**form.cleaned_data)
            messages.success(request, "Fault armed.")
            return redirect("sandbox_control")
    context = {
        "form": form,
        "charges": SandboxCharge.objects.order_by("-id")[:20],
        "transfers": SandboxTransfer.objects.order_by("-id")[:20],
        "refunds": SandboxRefund.objects.select_related("charge").order_by("-id")[:20],
        "held": SandboxWebhook.objects.filter(delayed=True, sent_at=None).count(),
        "faults": SandboxFault.objects.filter(remaining__gt=0),
    }
    return render(request, "sandbox/control.html", context)
