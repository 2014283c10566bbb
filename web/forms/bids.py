from django import forms

from core.money import to_minor


class BidForm(forms.Form):
    amount = forms.CharField(label="Your price", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    delivery_hours = forms.IntegerField(
        label="Delivery time (hours after payment)", min_value=1, max_value=60 * 24, initial=24
    )
    message = forms.CharField(
        label="Message to the student",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How you will help and why you are a good fit. Only the student sees it.",
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].help_text = f"In {currency}, e.g. 5000."

    def clean_amount(self):
        try:
            return to_minor(self.cleaned_data["amount"], self.currency)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
