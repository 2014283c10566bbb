from django.urls import path

from questions import views

urlpatterns = [
    path("questions/", views.feed, name="question_feed"),
    path("questions/mine/", views.my_questions, name="my_questions"),
    path("questions/new/", views.new_question, name="question_new"),
    path("questions/<int:pk>/edit/", views.edit_question, name="question_edit"),
    path("questions/<int:pk>/cancel/", views.cancel_question, name="question_cancel"),
    path("questions/<int:pk>/files/", views.attach_files, name="question_attach"),
    path("attachments/<int:pk>/", views.download_attachment, name="attachment_download"),
]
