"""For bench/servers.py: HTTP through Django's WSGI handler by a2wsgi's WSGIMiddleware (a
published adapter, compared with experthive.wsgi_bridge), WebSockets as in experthive.asgi."""

from typing import Any, cast

from a2wsgi import WSGIMiddleware  # not a requirement: pip install a2wsgi to compare
from channels.routing import ProtocolTypeRouter
from django.conf import settings

from experthive.asgi import django_wsgi_app, websocket_application

application = ProtocolTypeRouter(
    {
        "http": WSGIMiddleware(cast(Any, django_wsgi_app), workers=settings.WEB_THREADS),
        "websocket": websocket_application,
    }
)
