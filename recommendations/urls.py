from django.urls import path

from recommendations import views

urlpatterns = [
    path("questions/recommended/", views.recommended, name="recommended_questions"),
    path("questions/<int:pk>/tutors/", views.question_tutors, name="question_tutors"),
    path("questions/<int:pk>/tutors/<int:tutor_pk>/invite/", views.invite, name="invite_tutor"),
    path("questions/<int:pk>/price-hint/", views.question_price_hint, name="question_price_hint"),
    path("price-hint/", views.posting_price_hint, name="price_hint"),
]
