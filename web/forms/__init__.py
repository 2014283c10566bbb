"""Form pieces shared by the apps."""

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; content checks happen in the services."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class QuickSelect(forms.Select):
    """A <select> with the same HTML as Django's, built with plain string formatting. Django renders
    a template per option, which for the feed's fifty subjects and levels cost more than its cards.
    Options carry no attributes but `selected`."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{self._attrs(widget["attrs"])}>']
        for label, options, _ in widget["optgroups"]:
            rows = "".join(self._option(option) for option in options)
            parts.append(f'<optgroup label="{escape(label)}">{rows}</optgroup>' if label else rows)
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    @staticmethod
    def _attrs(attrs: dict) -> str:
        # As Django's attrs.html: in order, False left out, True as a bare name.
        pairs = ((name, value) for name, value in attrs.items() if value is not False)
        return "".join(f" {name}" if value is True else f' {name}="{escape(value)}"' for name, value in pairs)

    @staticmethod
    def _option(option) -> str:
        selected = " selected" if option["selected"] else ""
        return f'<option value="{escape(option["value"])}"{selected}>{escape(option["label"])}</option>'


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def add_service_errors(form: forms.Form, error, *, unnamed_to: str | None = None) -> None:
    """Show a service's ValidationError on the form: per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(unnamed_to, error.messages)


def status_for(form: forms.Form) -> int:
    """400 for a form sent back with errors, so clients and tests can tell."""
    return 400 if form.is_bound and form.errors else 200
