from django.http import HttpRequest


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """The email a login attempt is for, lower-cased so "ADA@x" and "ada@x" share one lockout."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.strip().lower()
