from django.urls import path

from payments import views

urlpatterns = [
    path("engagements/<int:pk>/pay/", views.pay, name="payment_start"),
    path("payments/return/<str:reference>/", views.payment_return, name="payment_return"),
    path("payments/webhooks/<str:gateway>/", views.webhook, name="payment_webhook"),
    path("earnings/", views.earnings, name="earnings"),
    path("earnings/payouts/", views.request_payout, name="payout_request"),
    path("earnings/bank-accounts/new/", views.bank_account_new, name="bank_account_new"),
    path("earnings/bank-accounts/<int:pk>/delete/", views.bank_account_delete, name="bank_account_delete"),
    path("staff/payments/", views.reconciliation, name="payments_reconciliation"),
    path("staff/engagements/<int:pk>/resolve/", views.resolve_dispute, name="dispute_resolve"),
]
