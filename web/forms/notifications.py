from django import forms

from accounts.models import User
from notifications.kinds import CHANNEL_LABELS, CHANNELS, Kind, configurable_kinds
from notifications.models import Preference, QuietHours

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
BOTH_OR_NEITHER = "Give both a start and an end for quiet hours, or leave both empty."


class PreferencesForm(forms.Form):
    """One checkbox per kind and channel; rendered as a table, one row per kind."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        saved = {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=user)}
        self.kinds: list[Kind] = [kind for kind in configurable_kinds() if user.role in kind.roles]
        for kind in self.kinds:
            for channel in CHANNELS:
                self.fields[f"{kind.key}__{channel}"] = forms.BooleanField(
                    required=False,
                    label=f"{kind.label}: {CHANNEL_LABELS[channel]}",
                    initial=saved.get((kind.key, channel), channel in kind.defaults),
                )

    def rows(self):
        """(kind, [bound checkbox per channel]) for the template."""
        return [(kind, [self[f"{kind.key}__{channel}"] for channel in CHANNELS]) for kind in self.kinds]

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (kind.key, channel): self.cleaned_data[f"{kind.key}__{channel}"]
            for kind in self.kinds
            for channel in CHANNELS
        }


class QuietHoursForm(forms.Form):
    quiet_start = forms.TimeField(
        label="Quiet hours start", required=False, widget=TIME_WIDGET, help_text="For example 22:00."
    )
    quiet_end = forms.TimeField(
        label="Quiet hours end",
        required=False,
        widget=TIME_WIDGET,
        help_text="For example 07:00. Texts about money, deadlines and codes still arrive at once.",
    )

    def clean(self):
        cleaned = super().clean() or {}
        if bool(cleaned.get("quiet_start")) != bool(cleaned.get("quiet_end")):
            raise forms.ValidationError(BOTH_OR_NEITHER)
        return cleaned


def quiet_initial(user: User) -> dict:
    quiet = QuietHours.objects.filter(user=user).first()
    return {"quiet_start": quiet.start, "quiet_end": quiet.end} if quiet else {}


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="6-digit code",
        regex=r"^\d{6}$",
        error_messages={"invalid": "Type the 6 digits from the text message.", "required": "Type the code."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "7", "autofocus": True}
        ),
    )

    def __init__(self, *args, **kwargs):
        # Accept "123 456" as people read it off the screen.
        data = kwargs.get("data") or (args[0] if args else None)
        if data is not None and "code" in data:
            data = data.copy()
            data["code"] = data["code"].replace(" ", "").strip()
            if args:
                args = (data, *args[1:])
            else:
                kwargs["data"] = data
        super().__init__(*args, **kwargs)
