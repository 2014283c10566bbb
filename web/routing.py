"""WebSocket routes, all under /ws/, beside the pages in web/urls.py."""

from django.urls import path

from bidding.consumers import BidBoardConsumer
from chat.consumers import ChatConsumer
from core.consumers import PingConsumer
from web.badge import BadgeConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/chat/<int:pk>/", ChatConsumer.as_asgi()),
    path("ws/questions/<int:pk>/bids/", BidBoardConsumer.as_asgi()),
    path("ws/notifications/", BadgeConsumer.as_asgi()),
]
