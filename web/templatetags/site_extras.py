from datetime import timedelta

from django import template
from django.utils import timezone

from core.money import format_money
from core.text import clause as _clause

register = template.Library()


@register.simple_tag
def money(amount, currency):
    return format_money(amount, currency)


@register.filter
def clause(text) -> str:
    """A quoted reason without its full stop, for a sentence that adds its own."""
    return _clause(str(text or ""))


@register.filter
def due_in(deadline) -> str:
    """Urgency the way people say it: 'due in 3 h', 'due in 2 days', 'overdue by 5 h'."""
    if deadline is None:
        return ""
    seconds = (deadline - timezone.now()).total_seconds()
    word = "due in" if seconds >= 0 else "overdue by"
    seconds = abs(seconds)
    if seconds < 3600:
        span = f"{max(1, int(seconds // 60))} min"
    elif seconds < 48 * 3600:
        span = f"{int(seconds // 3600)} h"
    else:
        span = f"{int(seconds // 86400)} days"
    return f"{word} {span}"


@register.filter
def older_than_days(moment, days) -> bool:
    """Whether a moment is more than `days` days ago: what has waited too long gets a warning colour."""
    return moment is not None and timezone.now() - moment > timedelta(days=int(days))
