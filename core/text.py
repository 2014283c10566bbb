"""Small helpers for the sentences users read."""


def clause(text: str) -> str:
    """A reason to put inside our own sentence: without its closing full stop, so the sentence
    that quotes it ends with exactly one ("...refunded. Try again.", never "refunded.. Try again.")."""
    return text.strip().rstrip(".").rstrip()
