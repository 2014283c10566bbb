from django.urls import path

from chat import views

urlpatterns = [
    path("chat/", views.inbox, name="chat_inbox"),
    path("chat/bids/<int:bid_pk>/", views.open_for_bid, name="chat_for_bid"),
    path("chat/<int:pk>/", views.conversation, name="chat_conversation"),
    path("chat/<int:pk>/send/", views.send, name="chat_send"),
    path("chat/files/<int:pk>/", views.download_file, name="chat_file"),
]
