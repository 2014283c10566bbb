from django.urls import path

from reviews import views

urlpatterns = [
    path("engagements/<int:pk>/review/", views.review_engagement, name="engagement_review"),
    path("reviews/<int:pk>/reply/", views.reply, name="review_reply"),
    path("tutors/", views.tutor_list, name="tutor_list"),
    path("tutors/<int:pk>/", views.tutor_profile, name="tutor_profile"),
]
