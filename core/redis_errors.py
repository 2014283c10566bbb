"""What a Redis failure means to whoever runs the site: a TLS fault names the setting that fixes it,
so a refused certificate reads as a configuration problem, not as Redis being down."""

UNTRUSTED_CERTIFICATE = (
    "Redis's TLS certificate was not accepted. Heroku Redis presents a self-signed certificate: "
    "set REDIS_TLS_VERIFY=0 to accept it, or REDIS_TLS_CA_FILE to the certificate that signed it."
)
NO_TLS_ANSWER = "The TLS handshake got no answer: is this Redis serving plain redis:// rather than rediss://?"


def _chain(exc: BaseException) -> str:
    """The error and what caused it (redis-py rewraps the ssl module's error in its own)."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 5:
        parts.append(str(current))
        current = current.__cause__ or current.__context__
    return " ".join(parts)


def tls_hint(exc: BaseException) -> str:
    """The fix for a TLS misconfiguration, or "" when the failure is something else."""
    text = _chain(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return UNTRUSTED_CERTIFICATE
    if "handshake operation timed out" in text:
        return NO_TLS_ANSWER
    return ""


def describe(exc: BaseException) -> str:
    """One line for the log: the error, then the fix when we know it."""
    return " ".join(part for part in (str(exc), tls_hint(exc)) if part)
