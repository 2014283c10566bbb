"""Every write that moves money, one public function each. Views, the API, admin actions, commands and
tasks call these; nothing else does. Rows are locked in the order stated in `payments/services/locks.py`."""

from payments.services.checkout import cancel_checkout, confirm_payment, settle_pending_payments, start_checkout
from payments.services.discrepancies import resolve_discrepancy
from payments.services.escrow import (
    approve_and_release,
    cancel_and_refund,
    commission_for,
    process_deadlines,
    resolve_dispute,
)
from payments.services.gateway_records import compare_with_gateways, start_comparison, sync_chargebacks
from payments.services.payouts import (
    add_bank_account,
    apply_transfer_result,
    bank_payouts_problem,
    banks_for,
    recheck_payout,
    request_payout,
    resolve_bank_account,
    send_payout,
)
from payments.services.reconcile import find_mismatches, reconcile
from payments.services.refunds import retry_refund, send_refund
from payments.services.webhooks import process_webhook, receive_webhook

__all__ = [
    "add_bank_account",
    "apply_transfer_result",
    "approve_and_release",
    "bank_payouts_problem",
    "banks_for",
    "cancel_and_refund",
    "cancel_checkout",
    "commission_for",
    "compare_with_gateways",
    "confirm_payment",
    "find_mismatches",
    "process_deadlines",
    "process_webhook",
    "receive_webhook",
    "recheck_payout",
    "reconcile",
    "request_payout",
    "resolve_bank_account",
    "resolve_discrepancy",
    "resolve_dispute",
    "retry_refund",
    "send_payout",
    "send_refund",
    "settle_pending_payments",
    "start_checkout",
    "start_comparison",
    "sync_chargebacks",
]
