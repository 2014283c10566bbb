"""Every HTML page of the site, grouped by feature; each feature's views sit in web/<feature>.py,
beside its JSON twin in api/endpoints/<feature>.py."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.models import User
from web import (
    accounts,
    bids,
    chat,
    engagements,
    home,
    notifications,
    payments,
    phone,
    questions,
    readiness,
    recommendations,
    reviews,
    staff,
    tutors,
    webhooks,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("readyz", readiness.readyz, name="readyz"),
    # Accounts
    path("signup/", accounts.signup_choice, name="signup"),
    path("signup/student/", accounts.signup, {"role": User.Role.STUDENT}, name="signup_student"),
    path("signup/tutor/", accounts.signup, {"role": User.Role.TUTOR}, name="signup_tutor"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/profile/", accounts.profile, name="profile"),
    path("account/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="accounts/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("account/phone/", phone.phone_verify, name="phone_verify"),
    path("account/phone/send/", phone.phone_send_code, name="phone_send_code"),
    # Questions
    path("questions/", questions.feed, name="question_feed"),
    path("questions/mine/", questions.my_questions, name="my_questions"),
    path("questions/new/", questions.new_question, name="question_new"),
    path("questions/<int:pk>/", questions.question_detail, name="question_detail"),
    path("questions/<int:pk>/edit/", questions.edit_question, name="question_edit"),
    path("questions/<int:pk>/cancel/", questions.cancel_question, name="question_cancel"),
    path("questions/<int:pk>/files/", questions.attach_files, name="question_attach"),
    path("attachments/<int:pk>/", questions.download_attachment, name="attachment_download"),
    # Recommendations and fair prices
    path("questions/recommended/", recommendations.recommended, name="recommended_questions"),
    path("questions/<int:pk>/tutors/", recommendations.question_tutors, name="question_tutors"),
    path("questions/<int:pk>/tutors/<int:tutor_pk>/invite/", recommendations.invite, name="invite_tutor"),
    path("questions/<int:pk>/price-hint/", recommendations.question_price_hint, name="question_price_hint"),
    path("price-hint/", recommendations.posting_price_hint, name="price_hint"),
    # Bids
    path("questions/<int:pk>/bid/", bids.place_bid, name="bid_place"),
    path("bids/<int:pk>/edit/", bids.edit_bid, name="bid_edit"),
    path("bids/<int:pk>/withdraw/", bids.withdraw_bid, name="bid_withdraw"),
    path("bids/<int:pk>/accept/", bids.accept_bid, name="bid_accept"),
    # Engagements
    path("engagements/", engagements.engagement_list, name="engagement_list"),
    path("engagements/<int:pk>/", engagements.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/deliver/", engagements.deliver, name="engagement_deliver"),
    path("engagements/<int:pk>/approve/", engagements.approve, name="engagement_approve"),
    path("engagements/<int:pk>/revision/", engagements.request_revision, name="engagement_revision"),
    path("engagements/<int:pk>/dispute/", engagements.open_dispute, name="engagement_dispute"),
    path("engagements/<int:pk>/cancel/", engagements.cancel, name="engagement_cancel"),
    path("delivery-files/<int:pk>/", engagements.download_delivery_file, name="delivery_file_download"),
    # Payments and earnings
    path("engagements/<int:pk>/pay/", payments.pay, name="payment_start"),
    path("payments/return/<str:reference>/", payments.payment_return, name="payment_return"),
    path("earnings/", payments.earnings, name="earnings"),
    path("earnings/payouts/", payments.request_payout, name="payout_request"),
    path("earnings/bank-accounts/new/", payments.bank_account_new, name="bank_account_new"),
    path("earnings/bank-accounts/<int:pk>/delete/", payments.bank_account_delete, name="bank_account_delete"),
    # Chat
    path("chat/", chat.inbox, name="chat_inbox"),
    path("chat/bids/<int:bid_pk>/", chat.open_for_bid, name="chat_for_bid"),
    path("chat/<int:pk>/", chat.conversation, name="chat_conversation"),
    path("chat/<int:pk>/send/", chat.send, name="chat_send"),
    path("chat/files/<int:pk>/", chat.download_file, name="chat_file"),
    # Reviews and tutors' public pages
    path("engagements/<int:pk>/review/", reviews.review_engagement, name="engagement_review"),
    path("reviews/<int:pk>/reply/", reviews.reply, name="review_reply"),
    path("tutors/", tutors.tutor_list, name="tutor_list"),
    path("tutors/<int:pk>/", tutors.tutor_profile, name="tutor_profile"),
    # Notifications
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path("notifications/settings/", notifications.preferences, name="notification_preferences"),
    path("notifications/settings/sms-on/", notifications.sms_opt_in, name="sms_opt_in"),
    path("n/<str:code>/", notifications.notification_open, name="notification_open"),
    # Staff pages (the rest of staff work is in the admin)
    path("staff/payments/", staff.reconciliation, name="payments_reconciliation"),
    path("staff/payments/differences/<int:pk>/resolve/", staff.resolve_discrepancy, name="discrepancy_resolve"),
    path("staff/payments/webhooks/", staff.webhooks, name="payment_webhooks"),
    path("staff/payments/webhooks/<int:pk>/replay/", staff.replay_webhook, name="webhook_replay"),
    path("staff/disputes/", staff.dispute_desk, name="dispute_desk"),
    path("staff/disputes/<int:pk>/", staff.dispute_case, name="dispute_case"),
    path("staff/engagements/<int:pk>/resolve/", staff.dispute_case, name="dispute_resolve"),  # older links
    # Providers calling us back
    path("payments/webhooks/<str:gateway>/", webhooks.payment_webhook, name="payment_webhook"),
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
