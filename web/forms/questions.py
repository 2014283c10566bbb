from django import forms
from django.conf import settings

from catalog.models import Level, Subject
from core.money import currency_rules, offered_currencies, to_minor
from web.forms import DateTimeLocalInput, MultipleFileField, QuickSelect


def currency_choices():
    return [(code, f"{code} {currency_rules(code).symbol.strip()}".strip()) for code in offered_currencies()]


class QuestionForm(forms.Form):
    title = forms.CharField(
        max_length=150, help_text='One line that says what you need, e.g. "Integrate x·sin(x) by parts".'
    )
    body = forms.CharField(
        label="Details",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What you have tried and where you are stuck. Markdown works: **bold**, lists, `code`.",
    )
    subject = forms.ModelChoiceField(queryset=Subject.objects.active(), empty_label="Choose a subject")
    level = forms.ModelChoiceField(queryset=Level.objects.active(), empty_label="Choose a level")
    deadline = forms.DateTimeField(widget=DateTimeLocalInput(), help_text="When you need the answer by (Lagos time).")
    currency = forms.ChoiceField(choices=currency_choices)
    budget = forms.CharField(
        max_length=20,
        help_text="The most you would pay, e.g. 5000.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY

    def clean(self):
        cleaned = super().clean() or {}
        if "budget" in cleaned and cleaned.get("currency"):
            try:
                cleaned["budget"] = to_minor(cleaned["budget"], cleaned["currency"])
            except ValueError as exc:
                self.add_error("budget", str(exc))
        return cleaned


class NewQuestionForm(QuestionForm):
    attachments = MultipleFileField(
        label="Attachments",
        required=False,
        help_text="PDF, Word (.docx) or images, up to 10 MB each.",
    )


class AttachForm(forms.Form):
    attachments = MultipleFileField(label="Add files", help_text="PDF, Word (.docx) or images, up to 10 MB each.")


class FeedForm(forms.Form):
    """The tutors' filters; every field optional, bad values are ignored with a message."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    subject = forms.ModelChoiceField(
        queryset=Subject.objects.active(), required=False, empty_label="Any subject", widget=QuickSelect
    )
    level = forms.ModelChoiceField(
        queryset=Level.objects.active(), required=False, empty_label="Any level", widget=QuickSelect
    )
    budget_min = forms.DecimalField(label="Budget from", required=False, min_value=0, max_digits=12, decimal_places=2)
    budget_max = forms.DecimalField(label="Budget to", required=False, min_value=0, max_digits=12, decimal_places=2)
    due_within = forms.TypedChoiceField(
        label="Due within",
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
        choices=[("", "Any time"), (6, "6 hours"), (24, "24 hours"), (72, "3 days"), (168, "a week")],
    )
