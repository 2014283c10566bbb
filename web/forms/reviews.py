from django import forms

STAR_CHOICES = [(5, "5 — excellent"), (4, "4 — good"), (3, "3 — fair"), (2, "2 — poor"), (1, "1 — bad")]


def stars(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect)


class ReviewForm(forms.Form):
    overall = stars("Overall")
    knowledge = stars("Knowledge")
    clarity = stars("Clarity")
    timeliness = stars("Timeliness")
    communication = stars("Communication")
    text = forms.CharField(
        label="Your review",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What went well, what could be better. Other students will read it.",
    )


class ReplyForm(forms.Form):
    text = forms.CharField(label="Your public reply", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
