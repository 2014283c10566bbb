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


class RevisionForm(ReasonForm):
    reason = forms.CharField(
        label="What should the tutor change?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DisputeForm(ReasonForm):
    reason = forms.CharField(
        label="What went wrong?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Our staff read this, the delivery and your messages, then decide who gets the money held.",
    )


CONFIRM_RELEASE = "Tick the box to confirm the work is right before the tutor is paid."


class ApproveForm(forms.Form):
    """Paying the tutor can't be undone: the student ticks a box first (it works without JavaScript)."""

    confirm = forms.BooleanField(error_messages={"required": CONFIRM_RELEASE})

    def __init__(self, *args, tutor_name: str, amount_display: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = f"I have checked the work: pay {tutor_name} {amount_display} from escrow."
