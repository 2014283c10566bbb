"""WebSocket routes, all under /ws/. Each app adds its consumers here."""

from django.urls import path

from chat.consumers import BadgeConsumer, BidBoardConsumer, ChatConsumer
from experthive.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/chat/<int:pk>/", ChatConsumer.as_asgi()),
    path("ws/questions/<int:pk>/bids/", BidBoardConsumer.as_asgi()),
    path("ws/notifications/", BadgeConsumer.as_asgi()),
]
