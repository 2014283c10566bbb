from django import forms

from core.money import offered_currencies, to_minor
from payments.gateways.base import Bank
from payments.models import BankAccount


class MinorAmountField(forms.CharField):
    """An amount typed in major units ("5,000.50"), cleaned to integer minor units."""

    def __init__(self, *, currency: str, **kwargs):
        self.currency = currency
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return 0
        try:
            amount = to_minor(text, self.currency)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if amount <= 0:
            raise forms.ValidationError("Enter an amount above zero.")
        return amount


class BankAccountForm(forms.Form):
    currency = forms.CharField(widget=forms.HiddenInput)
    bank_code = forms.ChoiceField(label="Bank", error_messages={"invalid_choice": "Pick your bank from the list."})
    account_number = forms.CharField(
        label="Account number", max_length=20, help_text="We check it with your bank and show the account name."
    )

    def __init__(self, *args, banks: list[Bank], **kwargs):
        super().__init__(*args, **kwargs)
        bank_field: forms.ChoiceField = self.fields["bank_code"]  # type: ignore[assignment]
        bank_field.choices = [("", "Choose your bank"), *((b.code, b.name) for b in banks)]
        self.fields["account_number"].widget.attrs.update(inputmode="numeric", autocomplete="off")


class PayoutForm(forms.Form):
    bank_account = forms.ModelChoiceField(queryset=BankAccount.objects.none(), label="Pay to", empty_label=None)

    def __init__(self, *args, tutor, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        account_field: forms.ModelChoiceField = self.fields["bank_account"]  # type: ignore[assignment]
        account_field.queryset = BankAccount.objects.filter(user=tutor, currency=currency)
        self.fields["amount"] = MinorAmountField(currency=currency, label=f"Amount ({currency})")
        self.fields["amount"].widget.attrs.update(inputmode="decimal")


class ResolveDisputeForm(forms.Form):
    outcome = forms.ChoiceField(
        widget=forms.RadioSelect,
        choices=[
            ("release", "Release to the tutor"),
            ("refund", "Refund the student in full"),
            ("split", "Split: refund part, release the rest"),
        ],
    )
    note = forms.CharField(
        label="Decision note",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Both people see it on the engagement page: say what you found and why you decided so.",
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refund_amount"] = MinorAmountField(
            currency=currency,
            label=f"Refund to the student ({currency})",
            required=False,
            help_text="For a split only: what goes back to the student.",
        )
        self.order_fields(["outcome", "refund_amount", "note"])


def currency_choices() -> list[str]:
    return offered_currencies()


class ResolveDiscrepancyForm(forms.Form):
    note = forms.CharField(
        label="What you did",
        max_length=250,
        error_messages={"required": "Say what you did about it, for the next person who reads this."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. refunded ₦100 by bank transfer on 3 Dec"}),
    )
