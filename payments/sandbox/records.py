"""Sandbox objects as each provider's API shows them, with every field their documentation lists and the
type it gives it (Flutterwave v3 in major units, Paystack in subunits; times in UTC with milliseconds).

Where the providers' samples disagree with themselves, the sample is followed: Flutterwave's transaction
list gives `id` and `account_id` as strings, its verify call as numbers."""

import hashlib
from datetime import UTC, datetime

from core.money import to_major
from payments.sandbox.core import BANKS
from payments.sandbox.models import SandboxCharge, SandboxChargeback, SandboxRefund, SandboxTransfer

FLUTTERWAVE_ACCOUNT = 73362  # the merchant's account at Flutterwave
PAYSTACK_INTEGRATION = 100982  # the merchant's integration at Paystack
FLUTTERWAVE_TRANSFER_STATUS = {"pending": "NEW", "successful": "SUCCESSFUL", "failed": "FAILED", "reversed": "REVERSED"}
PAYSTACK_TRANSFER_STATUS = {"pending": "pending", "successful": "success", "failed": "failed", "reversed": "reversed"}
FLUTTERWAVE_CHARGEBACK_STATUS = {"open": "initiated", "won": "won", "lost": "lost"}
PAYSTACK_RESOLUTION = {"won": "declined", "lost": "merchant-accepted"}  # the merchant declined, or accepted


def utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def number(text: str, digits: int = 9) -> int:
    """A stable made-up id for something the sandbox does not store (a customer, a wallet)."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10**digits


def bank_name(code: str) -> str:
    return next((name.upper() for listed in BANKS.values() for c, name in listed if c == code), "N/A")


def paid(charge: SandboxCharge) -> int:
    return charge.paid_amount or charge.amount


def charged(charge: SandboxCharge) -> bool:
    return charge.status in ("successful", "success")


# --- Flutterwave -----------------------------------------------------------------------------------


def flutterwave_charge(charge: SandboxCharge) -> dict:
    """A transaction as verify (and the charge.completed webhook) shows it."""
    major, currency = (lambda amount: to_major(amount, charge.currency)), charge.currency
    return {
        "id": charge.pk,
        "tx_ref": charge.reference,
        "flw_ref": f"FLW-SANDBOX-{charge.pk}",
        "device_fingerprint": "N/A",
        "amount": major(paid(charge)),
        "currency": currency,
        "charged_amount": major(paid(charge)),
        "app_fee": major(charge.fee),
        "merchant_fee": 0,
        "processor_response": "Approved by Financial Institution" if charged(charge) else "Declined",
        "auth_model": "PIN",
        "ip": "127.0.0.1",
        "narration": "CARD Transaction ",
        "status": charge.status,
        "payment_type": "card",
        "created_at": utc(charge.created_at),
        "account_id": FLUTTERWAVE_ACCOUNT,
        "card": flutterwave_card(),
        "meta": None,
        "amount_settled": major(paid(charge) - charge.fee) if charged(charge) else None,
        "customer": {
            "id": number(charge.email),
            "name": "Sandbox Customer",
            "phone_number": "N/A",
            "email": charge.email,
            "created_at": utc(charge.created_at),
        },
    }


def flutterwave_card() -> dict:
    return {
        "first_6digits": "553188",
        "last_4digits": "2950",
        "issuer": "MASTERCARD  CREDIT",
        "country": "NIGERIA NG",
        "type": "MASTERCARD",
        "token": "flw-t1nf-sandbox-k3n",
        "expiry": "09/32",
    }


def flutterwave_listed_charge(charge: SandboxCharge) -> dict:
    """A transaction as GET /v3/transactions lists it: the customer flattened, ids as strings."""
    shown = flutterwave_charge(charge)
    customer = shown.pop("customer")
    del shown["meta"]
    return {
        **shown,
        "id": str(charge.pk),
        "account_id": str(FLUTTERWAVE_ACCOUNT),
        "customer_name": customer["name"],
        "customer_email": customer["email"],
    }


def flutterwave_transfer(transfer: SandboxTransfer, *, status: str | None = None) -> dict:
    major = lambda amount: to_major(amount, transfer.currency)  # noqa: E731
    status = status or transfer.status
    return {
        "id": transfer.pk,
        "account_number": transfer.account_number,
        "bank_code": transfer.bank_code,
        "full_name": transfer.account_name,
        "created_at": utc(transfer.created_at),
        "currency": transfer.currency,
        "debit_currency": transfer.currency,
        "amount": major(transfer.amount),
        "fee": major(fee_shown(transfer, status)),
        "status": FLUTTERWAVE_TRANSFER_STATUS[status],
        "reference": transfer.reference,
        "meta": None,
        "narration": transfer.narration,
        "approver": None,
        "complete_message": transfer_message(status),
        "requires_approval": 0,
        "is_approved": 1,
        "bank_name": bank_name(transfer.bank_code),
    }


def fee_shown(transfer: SandboxTransfer, status: str) -> int:
    """A transfer's fee is taken with it and given back if the bank refuses it (not if it is reversed
    later: the transfer was made), so a failed transfer shows none."""
    return 0 if status == "failed" else transfer.fee


def transfer_message(status: str) -> str:
    return {
        "pending": "",
        "failed": "DISBURSE FAILED: Account is dormant",
        "reversed": "Transfer reversed by the beneficiary bank",
    }.get(status, "Transaction was successful")


def flutterwave_refund(made: SandboxRefund) -> dict:
    """A refund as the create and fetch calls show it: the transaction is `tx_id`."""
    return {
        "id": made.pk,
        "account_id": FLUTTERWAVE_ACCOUNT,
        "tx_id": made.charge_id,
        "flw_ref": refund_reference(made),
        "wallet_id": number(f"wallet-{FLUTTERWAVE_ACCOUNT}", 5),
        "amount_refunded": to_major(made.amount, made.charge.currency),
        "status": made.status,
        "destination": "payment_source",
        "meta": {"source": "availablebalance"},
        "created_at": utc(made.created_at),
    }


def flutterwave_listed_refund(made: SandboxRefund) -> dict:
    """A refund as GET /v3/refunds lists it: the transaction is `transaction_id`, and no currency."""
    return {
        "id": made.pk,
        "amount_refunded": to_major(made.amount, made.charge.currency),
        "status": made.status,
        "flw_ref": refund_reference(made),
        "destination": "payment_source",
        "comment": "" if made.source == SandboxRefund.Source.API else "Refunded from the dashboard",
        "settlement_id": "NEW",
        "meta": {"source": "availablebalance"},
        "created_at": utc(made.created_at),
        "account_id": FLUTTERWAVE_ACCOUNT,
        "transaction_id": made.charge_id,
    }


def flutterwave_refund_event(made: SandboxRefund) -> dict:
    """The refund.completed webhook: the refund with its fields capitalised as that event spells them."""
    return {
        "event": "refund.completed",
        "event.type": "Refund",
        "data": {
            "id": made.pk,
            "AmountRefunded": to_major(made.amount, made.charge.currency),
            "status": made.status,
            "FlwRef": refund_reference(made),
            "destination": "payment_source",
            "comments": "Refunded from the dashboard",
            "settlement_id": "NEW",
            "meta": {"source": "availablebalance"},
            "createdAt": utc(made.created_at),
            "updatedAt": utc(made.created_at),
            "walletId": number(f"wallet-{FLUTTERWAVE_ACCOUNT}", 5),
            "AccountId": FLUTTERWAVE_ACCOUNT,
            "TransactionId": made.charge_id,
        },
    }


def refund_reference(made: SandboxRefund) -> str:
    return f"URF-SANDBOX-{made.pk}"


def flutterwave_chargeback(chargeback: SandboxChargeback) -> dict:
    """A chargeback as GET /v3/chargebacks lists it (major units; the currency is the transaction's)."""
    charge = chargeback.charge
    return {
        "id": chargeback.pk,
        "amount": to_major(chargeback.amount, charge.currency),
        "flw_ref": f"FLW-SANDBOX-{charge.pk}",
        "status": FLUTTERWAVE_CHARGEBACK_STATUS[chargeback.status],
        "stage": "new",
        "comment": "Customer disputes the debit",
        "meta": {"uploaded_proof": None, "history": []},
        "due_date": utc(chargeback.created_at),
        "settlement_id": "NEW",
        "created_at": utc(chargeback.created_at),
        "transaction_id": charge.pk,
        "tx_ref": charge.reference,
    }


# --- Paystack --------------------------------------------------------------------------------------


def paystack_charge(charge: SandboxCharge) -> dict:
    """A transaction as verify, the transaction list and the charge webhooks show it (subunits)."""
    done = charge.status in ("success", "failed")
    paid_at = utc(charge.created_at) if charged(charge) else None
    return {
        "id": charge.pk,
        "domain": "test",
        "status": charge.status,
        "reference": charge.reference,
        "receipt_number": None,
        "amount": paid(charge),
        "message": None,
        "gateway_response": paystack_response(charge),
        "paid_at": paid_at,
        "created_at": utc(charge.created_at),
        "channel": "card",
        "currency": charge.currency,
        "ip_address": "127.0.0.1",
        "metadata": None,
        "log": paystack_log(charge) if done else None,
        "fees": charge.fee if charged(charge) else None,
        "fees_split": None,
        "authorization": paystack_authorization(),
        "customer": paystack_customer(charge.email),
        "plan": {},
        "split": {},
        "subaccount": {},
        "order_id": None,
        "paidAt": paid_at,
        "createdAt": utc(charge.created_at),
        "requested_amount": charge.amount,
        "source": {
            "source": "merchant_api",
            "type": "api",
            "identifier": None,
            "entry_point": "transaction_initialize",
        },
        "connect": None,
        "pos_transaction_data": None,
        "fees_breakdown": None,
        "transaction_date": utc(charge.created_at),
        "plan_object": {},
    }


def paystack_response(charge: SandboxCharge) -> str:
    return {"success": "Successful", "failed": "Declined"}.get(charge.status, "The transaction was not completed")


def paystack_log(charge: SandboxCharge) -> dict:
    success = charged(charge)
    return {
        "start_time": int(charge.created_at.timestamp()),
        "time_spent": 4,
        "attempts": 1,
        "errors": 0 if success else 1,
        "success": success,
        "mobile": False,
        "input": [],
        "history": [
            {"type": "action", "message": "Attempted to pay with card", "time": 3},
            {"type": "success" if success else "error", "message": paystack_response(charge), "time": 4},
        ],
    }


def paystack_authorization() -> dict:
    return {
        "authorization_code": "AUTH_sandbox0001",
        "bin": "408408",
        "last4": "4081",
        "exp_month": "12",
        "exp_year": "2030",
        "channel": "card",
        "card_type": "visa ",
        "bank": "TEST BANK",
        "country_code": "NG",
        "brand": "visa",
        "reusable": True,
        "signature": "SIG_sandbox0001",
        "account_name": None,
    }


def paystack_customer(email: str) -> dict:
    return {
        "id": number(email),
        "first_name": None,
        "last_name": None,
        "email": email,
        "customer_code": f"CUS_{number(email, 12)}",
        "phone": None,
        "metadata": None,
        "risk_action": "default",
        "international_format_phone": None,
    }


def paystack_transfer(transfer: SandboxTransfer, *, status: str | None = None) -> dict:
    status = status or transfer.status
    done = status in ("successful", "reversed")
    return {
        "amount": transfer.amount,
        "createdAt": utc(transfer.created_at),
        "currency": transfer.currency,
        "domain": "test",
        "failures": None,
        "id": transfer.pk,
        "integration": PAYSTACK_INTEGRATION,
        "reason": transfer.narration or "Payout",
        "reference": transfer.reference,
        "source": "balance",
        "source_details": None,
        "status": PAYSTACK_TRANSFER_STATUS[status],
        "titan_code": None,
        "transfer_code": f"TRF_{transfer.code}",
        "request": number(transfer.code),
        "transferred_at": utc(transfer.created_at) if done else None,
        "updatedAt": utc(transfer.reversed_at or transfer.created_at),
        "recipient": paystack_recipient(transfer),
        "session": {"provider": "nip" if done else None, "id": str(number(transfer.code, 30)) if done else None},
        "fee_charged": fee_shown(transfer, status),
        "fees_breakdown": None,
        "gateway_response": transfer_message(status) if status in ("failed", "reversed") else None,
    }


def paystack_recipient(transfer: SandboxTransfer) -> dict:
    return {
        "active": True,
        "createdAt": utc(transfer.created_at),
        "currency": transfer.currency,
        "description": "",
        "domain": "test",
        "email": None,
        "id": number(transfer.account_number),
        "integration": PAYSTACK_INTEGRATION,
        "metadata": None,
        "name": transfer.account_name,
        "recipient_code": f"RCP_{number(transfer.account_number, 12)}",
        "type": "nuban",
        "updatedAt": utc(transfer.created_at),
        "is_deleted": False,
        "isDeleted": False,
        "details": {
            "authorization_code": None,
            "account_number": transfer.account_number,
            "account_name": None,
            "bank_code": transfer.bank_code,
            "bank_name": bank_name(transfer.bank_code).title(),
        },
    }


def paystack_refund(made: SandboxRefund) -> dict:
    """A refund as the create and fetch calls show it: the whole transaction beside it."""
    return {
        "id": made.pk,
        "integration": PAYSTACK_INTEGRATION,
        "domain": "test",
        "transaction": {"id": made.charge_id, "reference": made.charge.reference},
        "dispute": None,
        "settlement": None,
        "amount": made.amount,
        "deducted_amount": made.amount,
        "currency": made.charge.currency,
        "channel": "card",
        "fully_deducted": True,
        "refunded_by": made.charge.email,
        "status": made.status,
        "refunded_at": utc(made.created_at),
        "expected_at": utc(made.created_at),
        "createdAt": utc(made.created_at),
        "updatedAt": utc(made.created_at),
    }


def paystack_listed_refund(made: SandboxRefund) -> dict:
    """A refund as GET /refund lists it: the transaction is its id, with the reference beside it."""
    charge = made.charge
    dashboard = made.source == SandboxRefund.Source.DASHBOARD
    return {
        "integration": PAYSTACK_INTEGRATION,
        "transaction": charge.pk,
        "dispute": None,
        "settlement": None,
        "id": made.pk,
        "domain": "test",
        "currency": charge.currency,
        "amount": made.amount,
        "status": made.status,
        "refunded_at": utc(made.created_at) if made.status == "processed" else None,
        "refunded_by": "dashboard@merchant.test" if dashboard else "api",
        "customer_note": "Refund",
        "merchant_note": "Refunded from the dashboard" if dashboard else "Refunded through the API",
        "deducted_amount": made.amount,
        "fully_deducted": 1,
        "createdAt": utc(made.created_at),
        "created_at": utc(made.created_at),  # the documentation's sample spells it so too
        "bank_reference": None,
        "transaction_reference": charge.reference,
        "reason": "Refund",
        "customer": {**paystack_customer(charge.email), "first_name": "", "last_name": "", "metadata": ""},
        "refund_type": "full" if made.amount == paid(charge) else "partial",
        "transaction_amount": paid(charge),
        "initiated_by": "merchant",
        "refund_channel": "card",
        "session_id": None,
        "collect_account_number": False,
    }


def paystack_refund_event(made: SandboxRefund) -> dict:
    """The refund.processed webhook, as documented (its amount is a string there)."""
    return {
        "event": "refund.processed",
        "data": {
            "status": "processed",
            "transaction_reference": made.charge.reference,
            "refund_reference": refund_reference(made),
            "amount": str(made.amount),
            "currency": made.charge.currency,
            "processor": "sandbox",
            "customer": {"first_name": "Sandbox", "last_name": "Customer", "email": made.charge.email},
            "integration": PAYSTACK_INTEGRATION,
            "domain": "test",
        },
    }


def paystack_dispute(chargeback: SandboxChargeback) -> dict:
    """A dispute as GET /dispute lists it and the charge.dispute.* webhooks send it."""
    charge, resolved = chargeback.charge, chargeback.status != SandboxChargeback.Status.OPEN
    created, updated = utc(chargeback.created_at), utc(chargeback.resolved_at or chargeback.created_at)
    history = [{"status": "pending", "by": charge.email, "createdAt": created}]
    if resolved:
        history.append({"status": "resolved", "by": "dashboard@merchant.test", "createdAt": updated})
    return {
        "id": chargeback.pk,
        "refund_amount": chargeback.amount,
        "currency": charge.currency,
        "status": "resolved" if resolved else "awaiting-merchant-feedback",
        "resolution": PAYSTACK_RESOLUTION.get(chargeback.status),
        "domain": "test",
        "transaction": paystack_charge(charge),
        "transaction_reference": None,
        "category": "chargeback",
        "customer": {**paystack_customer(charge.email), "first_name": "", "last_name": "", "metadata": ""},
        "bin": "408408",
        "last4": "4081",
        "dueAt": created,
        "resolvedAt": updated if resolved else None,
        "evidence": None,
        "attachments": None,
        "note": None,
        "history": history,
        "messages": [
            {"sender": charge.email, "body": "Customer complained about debit without value", "createdAt": created}
        ],
        "createdAt": created,
        "updatedAt": updated,
        "created_at": created,  # the webhooks spell them so
        "updated_at": updated,
    }
