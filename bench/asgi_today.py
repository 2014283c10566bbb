"""The web process as it was before decision 0012, for bench/servers.py: HTTP through Django's
ASGI handler, WebSockets as in experthive.asgi."""

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

from experthive.asgi import websocket_application  # sets Django up

application = ProtocolTypeRouter({"http": get_asgi_application(), "websocket": websocket_application})
