from django.http import HttpRequest


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """The email a login attempt is for, lower-cased so "ADA@x" and "ada@x" share one lockout.

    Django's failure signal names it "username"; axes' own lockout check names it after the user
    model's USERNAME_FIELD ("email"). Reading only one of them let a locked-out email log in
    from anything that is not the login form (the API's token endpoint)."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email") or request.POST.get("username", "")
    return username.strip().lower()
