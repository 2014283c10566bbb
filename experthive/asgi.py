"""ASGI entry point: HTTP and WebSockets on one port (the Procfile's web process).

WebSockets go to Channels. Plain HTTP goes to Django's WSGI handler on a thread pool
(experthive.wsgi_bridge): Django's ASGI handler cost several times as much per request
(docs/decisions/0012-http-through-the-wsgi-handler.md).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "experthive.settings")
# Django must be set up before anything imports models (the consumers do).
django_wsgi_app = get_wsgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from core.ws_auth import auth_stack  # noqa: E402
from experthive.wsgi_bridge import WSGIBridge  # noqa: E402
from web.routing import websocket_urlpatterns  # noqa: E402

websocket_application = AllowedHostsOriginValidator(auth_stack(URLRouter(websocket_urlpatterns)))
application = ProtocolTypeRouter(
    {
        "http": WSGIBridge(django_wsgi_app, threads=settings.WEB_THREADS),
        "websocket": websocket_application,
    }
)
