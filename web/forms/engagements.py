from django import forms

from web.forms import MultipleFileField


class DeliveryForm(forms.Form):
    message = forms.CharField(
        label="Your answer",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Explain the solution. Markdown works.",
    )
    attachments = MultipleFileField(
        label="Files", required=False, help_text="PDF, Word (.docx) or images, up to 10 MB each."
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="What needs to change?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
