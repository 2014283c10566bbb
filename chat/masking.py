"""Contact details are hidden until the student has paid: deals stay on the platform, where the
escrow protects both sides. Masking errs towards hiding: a false positive costs a few characters."""

import re

HIDDEN = "[hidden until payment]"
NOTICE = (
    "We hid contact details in your message. Phone numbers, emails and other apps' handles can be "
    "shared once the student has paid, so the escrow keeps protecting you both."
)

MESSENGER_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:wa\.me|api\.whatsapp\.com|chat\.whatsapp\.com|whatsapp\.com|"
    r"t\.me|telegram\.me|telegram\.dog|m\.me|signal\.me|discord\.gg|snapchat\.com/add)/\S*",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+", re.IGNORECASE)
# Seven or more digits, allowing the spaces, dots, dashes and brackets people type between them.
PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s().-]{0,2}\d){6,}(?![\w])")
HANDLE = re.compile(r"(?<![\w.@/])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,30}[A-Za-z0-9_])?")

PATTERNS = (MESSENGER_LINK, EMAIL, PHONE, HANDLE)


def mask_contacts(text: str) -> tuple[str, bool]:
    """The text with contact details replaced, and whether anything was replaced."""
    masked = text
    for pattern in PATTERNS:
        masked = pattern.sub(HIDDEN, masked)
    return masked, masked != text
