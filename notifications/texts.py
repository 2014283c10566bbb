"""Rendering a kind's texts: GSM-safe SMS that fit in one 160-character message."""

from typing import Any

from notifications.kinds import Kind

SMS_LIMIT = 160
# The GSM 03.38 basic alphabet. One character outside it switches the whole SMS to
# UCS-2, which holds only 70 characters per part: so we swap look-alikes for GSM ones.
GSM_CHARS = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",  # curly quotes
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",  # en and em dashes
        "\u2014": "-",
        "\u2026": "...",
        "\u20a6": "NGN ",  # the naira sign
    }
)


def gsm(text: str) -> str:
    """The text in the GSM alphabet: look-alikes swapped, anything else dropped to '?'."""
    text = text.translate(LOOKALIKES)
    return "".join(char if char in GSM_CHARS else "?" for char in text)


def render(template: str, context: dict[str, Any]) -> str:
    return template.format(**context)


def render_sms(template: str, context: dict[str, Any]) -> str:
    """One SMS: shorten the question title (never the link) until the text fits in 160."""
    text = gsm(render(template, context))
    title = gsm(str(context.get("question_title", "")))
    if len(text) <= SMS_LIMIT or not title:
        return text
    room = len(title) - (len(text) - SMS_LIMIT) - 3
    shorter = title[: max(room, 8)].rstrip() + "..."
    return gsm(render(template, {**context, "question_title": shorter}))


def missing_context(kind: Kind, context: dict[str, Any]) -> set[str]:
    return kind.needs - set(context)
