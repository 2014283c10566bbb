from django.urls import path

from bidding import views

urlpatterns = [
    path("questions/<int:pk>/", views.question_detail, name="question_detail"),
    path("questions/<int:pk>/bid/", views.place_bid, name="bid_place"),
    path("bids/<int:pk>/edit/", views.edit_bid, name="bid_edit"),
    path("bids/<int:pk>/withdraw/", views.withdraw_bid, name="bid_withdraw"),
]
