"""Tokens, the signed-in user, and the vocabulary (subjects, levels) clients need to post."""

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Status

from api import present, services
from api import schemas as s
from api.auth import caller, token_auth
from api.errors import error_body
from catalog.models import Level, Subject

router = Router(tags=["accounts"])

WRONG_CREDENTIALS = "That email and password do not match an account."
LOCKED_OUT = "Too many wrong passwords: logging in to this account from here is paused. Try again later."


@router.post("/auth/token", auth=None, response={201: s.TokenOut, 401: s.Error, 422: s.Error, 429: s.Error})
def create_token(request: HttpRequest, payload: s.TokenIn):
    """Trade an email and password for a token. Wrong passwords count towards the login lockout."""
    user = authenticate(request, username=payload.email, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answer in the API's own shape; the lockout middleware would otherwise send its HTML page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        return Status(429, error_body("locked_out", LOCKED_OUT))
    if user is None:
        return Status(401, error_body("wrong_credentials", WRONG_CREDENTIALS))
    token, key = services.issue_token(user=user, name=payload.name)  # type: ignore[arg-type]
    return Status(201, s.TokenOut(token=key, id=token.pk, name=token.name, created_at=token.created_at))


@router.delete("/auth/token", auth=token_auth, response={204: None, 401: s.Error})
def revoke_token(request: HttpRequest):
    """Revoke the token this request was made with."""
    services.revoke_token(token=request.api_token)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get("/me", response={200: s.MeOut, 401: s.Error})
def me(request: HttpRequest):
    return present.me(caller(request))


@router.get("/catalog", auth=None, response=s.CatalogOut)
def catalog(request: HttpRequest):
    """The subjects and levels a question can have (their slugs go in QuestionIn)."""
    return s.CatalogOut(
        subjects=[present.catalog_ref(item) for item in Subject.objects.active()],
        levels=[present.catalog_ref(item) for item in Level.objects.active()],
    )
