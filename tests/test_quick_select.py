import re

import pytest
from django import forms

from catalog.models import Subject
from web.forms import QuickSelect
from web.forms.questions import FeedForm


def both_renderings(form: forms.Form, name: str) -> tuple[str, str]:
    """The field by QuickSelect, then by Django's own Select (whitespace between tags dropped)."""
    quick = str(form[name])
    widget = form.fields[name].widget
    form.fields[name].widget = forms.Select(attrs=widget.attrs, choices=widget.choices)
    return quick, re.sub(r">\s+<", "><", str(form[name])).strip()


@pytest.mark.django_db
def test_the_feed_filters_render_as_django_would():
    maths = Subject.objects.get(slug="mathematics")
    chosen = FeedForm({"subject": str(maths.pk), "due_within": "24"})
    rejected = FeedForm({"subject": "999999"})  # a field with errors gets aria-invalid
    rejected.is_valid()

    assert f'<option value="{maths.pk}" selected>Mathematics</option>' in str(chosen["subject"])
    assert 'aria-invalid="true"' in str(rejected["subject"])
    for form in (chosen, rejected):
        for name in ("subject", "level", "due_within"):
            quick, django = both_renderings(form, name)
            assert quick == django


def test_groups_and_awkward_labels_are_escaped():
    class Form(forms.Form):
        pick = forms.ChoiceField(
            choices=[("Group <1>", [("a", 'Say "hi" & <b>')]), ("b", "Plain")],
            widget=QuickSelect(attrs={"data-x": "1", "autofocus": True}),
            help_text="Pick one.",
        )

    quick, django = both_renderings(Form({"pick": "a"}), "pick")

    assert quick == django
    assert '<optgroup label="Group &lt;1&gt;">' in quick
    assert "&lt;b&gt;" in quick
