from django.urls import path, re_path

from payments.sandbox import flutterwave as fw
from payments.sandbox import paystack as ps
from payments.sandbox import views

urlpatterns = [
    path("", views.control, name="sandbox_control"),
    path("<str:gateway>/checkout/<str:token>/", views.checkout, name="sandbox_checkout"),
    # Flutterwave v3
    path("flutterwave/v3/payments", fw.create_payment),
    path("flutterwave/v3/transactions", fw.transaction_list),
    path("flutterwave/v3/transactions/<int:pk>/verify", fw.verify),
    path("flutterwave/v3/transactions/verify_by_reference", fw.verify_by_reference),
    path("flutterwave/v3/transactions/<int:pk>/refund", fw.refund),
    path("flutterwave/v3/refunds", fw.refund_list),
    path("flutterwave/v3/refunds/<int:pk>", fw.refund_detail),
    path("flutterwave/v3/chargebacks", fw.chargeback_list),
    path("flutterwave/v3/banks/<str:country>", fw.banks),
    path("flutterwave/v3/accounts/resolve", fw.resolve),
    path("flutterwave/v3/transfers", fw.transfers_root),
    path("flutterwave/v3/transfers/<int:pk>", fw.transfer_detail),
    # Paystack
    path("paystack/transaction", ps.transaction_list),
    path("paystack/transaction/initialize", ps.initialize),
    path("paystack/transaction/verify/<str:reference>", ps.verify),
    path("paystack/refund", ps.refund_root),
    path("paystack/refund/<int:pk>", ps.refund_detail),
    path("paystack/dispute", ps.dispute_list),
    path("paystack/bank", ps.banks),
    path("paystack/bank/resolve", ps.resolve),
    path("paystack/transferrecipient", ps.recipient),
    path("paystack/transfer", ps.transfer_root),
    path("paystack/transfer/verify/<str:reference>", ps.transfer_verify),
    # Anything else under a provider: the path as a real client may build it (a doubled slash, a
    # trailing one), or the provider's own JSON "not found".
    re_path(r"^(?P<gateway>flutterwave|paystack)/", views.api_fallback),
]
