from django.urls import path

from engagements import views

urlpatterns = [
    path("bids/<int:pk>/accept/", views.accept_bid, name="bid_accept"),
    path("engagements/", views.engagement_list, name="engagement_list"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/deliver/", views.deliver, name="engagement_deliver"),
    path("engagements/<int:pk>/approve/", views.approve, name="engagement_approve"),
    path("engagements/<int:pk>/revision/", views.request_revision, name="engagement_revision"),
    path("engagements/<int:pk>/dispute/", views.open_dispute, name="engagement_dispute"),
    path("engagements/<int:pk>/cancel/", views.cancel, name="engagement_cancel"),
    path("delivery-files/<int:pk>/", views.download_delivery_file, name="delivery_file_download"),
]
