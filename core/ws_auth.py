"""Who is on a socket: the session user (AuthMiddlewareStack), or, for API clients that cannot
carry the site's cookie, a bearer token.

The seam: the JSON API owns the token model, above this package, so it plugs in by name: the
function `f(token: str) -> User | None` in `WEBSOCKET_TOKEN_AUTHENTICATOR` (by default the API's
`api.auth.socket_user`; empty: only sessions authenticate). Clients send
`Authorization: Bearer <token>` with the handshake (browsers use the session cookie instead, so
the token never sits in a URL or a log).
"""

from channels.auth import AuthMiddleware, get_user
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.utils.module_loading import import_string

from core.consumers import db


def bearer_token(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, token = value.decode("latin1").partition(" ")
            if kind.lower() == "bearer":
                return token.strip()
    return ""


def user_for_token(token: str):
    path = settings.WEBSOCKET_TOKEN_AUTHENTICATOR
    if not token or not path:
        return None
    user = import_string(path)(token)
    return user if user is not None and user.is_active else None


class TokenAuthMiddleware(BaseMiddleware):
    """Runs inside AuthMiddlewareStack: only a socket without a session user looks at the token."""

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        token = bearer_token(scope)
        if token and (user is None or not user.is_authenticated):
            found = await db(user_for_token)(token)
            if found is not None:
                scope = dict(scope, user=found)
        return await super().__call__(scope, receive, send)


class SessionAuthMiddleware(AuthMiddleware):
    """channels' AuthMiddleware, with the session and user lookup on the thread pool instead of
    the one shared database thread: after a restart every client reconnects at once, and one
    thread made the handshakes queue past Daphne's connect timeout (measured: docs/performance.md)."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await db(get_user.func)(scope)


def auth_stack(inner):
    """Cookie → session → session user → bearer token (for clients without the cookie)."""
    return CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(TokenAuthMiddleware(inner))))
