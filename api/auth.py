"""Who is calling: a bearer token (other clients) or the site's own session (with CSRF)."""

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from accounts.models import User
from api import services

CSRF_FAILED = "The CSRF token is missing or wrong. Send the csrftoken cookie's value in X-CSRFToken."


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key from POST /auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = services.token_for_key(token.strip())
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]  # so DELETE /auth/token knows which one
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The site's own pages calling the API with the login session.

    Unlike ninja's stock class, CSRF is checked only once a session user is found, so a request
    with no session at all is a clean 401 rather than a CSRF failure."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, CSRF_FAILED)
        return user  # type: ignore[return-value]


def socket_user(key: str) -> User | None:
    """The user behind an API token, for WebSocket handshakes (WEBSOCKET_TOKEN_AUTHENTICATOR)."""
    found = services.token_for_key(key.strip())
    return found.user if found is not None else None


token_auth = TokenAuth()
session_auth = SessionAuth()
EVERYONE_SIGNED_IN = [token_auth, session_auth]


def caller(request: HttpRequest) -> User:
    """The user an authenticated endpoint is called by (ninja puts it on request.auth)."""
    return request.auth  # type: ignore[attr-defined]
