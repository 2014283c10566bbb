import uuid

from django import forms

from web.forms import MultipleFileField


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Your message",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown works: **bold**, lists, `code`.",
    )
    attachments = MultipleFileField(
        label="Files", required=False, help_text="PDF, Word (.docx) or images, up to 10 MB each."
    )
    # A fresh id per rendered form: pressing send twice (or resending after a timeout) stores one message.
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"client_id": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
