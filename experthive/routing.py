"""WebSocket routes, all under /ws/. Each app adds its consumers here."""

from django.urls import path

from experthive.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]
