from django.urls import path

from notifications import views, webhooks

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/settings/", views.preferences, name="notification_preferences"),
    path("notifications/settings/sms-on/", views.sms_opt_in, name="sms_opt_in"),
    path("n/<str:code>/", views.notification_open, name="notification_open"),
    path("account/phone/", views.phone_verify, name="phone_verify"),
    path("account/phone/send/", views.phone_send_code, name="phone_send_code"),
    path("webhooks/sms/termii/", webhooks.termii_report, name="sms_webhook_termii"),
    path("webhooks/sms/twilio/status/", webhooks.twilio_status, name="sms_webhook_twilio_status"),
    path("webhooks/sms/twilio/inbound/", webhooks.twilio_inbound, name="sms_webhook_twilio_inbound"),
    path("webhooks/sms/africastalking/<str:token>/report/", webhooks.africastalking_report, name="sms_webhook_at"),
    path(
        "webhooks/sms/africastalking/<str:token>/optout/",
        webhooks.africastalking_optout,
        name="sms_webhook_at_optout",
    ),
    path(
        "webhooks/sms/africastalking/<str:token>/inbound/",
        webhooks.africastalking_inbound,
        name="sms_webhook_at_inbound",
    ),
]
