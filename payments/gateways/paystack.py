"""Paystack: initialize (hosted checkout), verify, HMAC-SHA512 webhooks, refunds, banks, resolve, transfers.

Paystack speaks subunits already (kobo, pesewas, cents), as integers.
"""

import hashlib
import hmac
import json
from dataclasses import replace

from django.conf import settings

from payments.gateways.base import (
    MAX_PAGES,
    Bank,
    ForgedWebhook,
    GatewayError,
    HttpApi,
    Notice,
    RefundResult,
    TransferResult,
    Verification,
    list_until,
)

CHARGE_STATUS = {"success": "succeeded", "failed": "failed", "reversed": "failed", "abandoned": "pending"}
TRANSFER_STATUS = {"success": "succeeded", "failed": "failed", "reversed": "failed"}
REFUND_STATUS = {"processed": "succeeded", "failed": "failed"}
COUNTRIES = {"NG": "nigeria", "GH": "ghana", "KE": "kenya", "ZA": "south africa"}
RECIPIENT_TYPES = {"NGN": "nuban", "GHS": "ghipss", "ZAR": "basa", "KES": "mobile_money"}
WEBHOOK_KINDS = {
    "charge.success": "charge",
    "transfer.success": "transfer",
    "transfer.failed": "transfer",
    "transfer.reversed": "transfer",
    "refund.processed": "refund",
    "refund.failed": "refund",
}


def refunded_tx(item: dict) -> str:
    """The transaction a refund belongs to: its id in a list, the whole transaction in a created refund."""
    transaction = item.get("transaction")
    return str(transaction.get("id", "") if isinstance(transaction, dict) else transaction or "")


def sign(body: bytes, secret_key: str) -> str:
    """The x-paystack-signature header: hex HMAC-SHA512 of the raw body with the secret key."""
    return hmac.new(secret_key.encode(), body, hashlib.sha512).hexdigest()


class Paystack:
    name = "paystack"

    def __init__(self, conf: dict | None = None):
        conf = conf or settings.PAYSTACK
        self.api = HttpApi(base_url=conf["BASE_URL"], secret_key=conf["SECRET_KEY"], name="Paystack")
        self.secret_key = conf["SECRET_KEY"]

    def checkout(self, *, reference, amount, currency, email, name, redirect_url, title) -> str:
        payload = self.api.request(
            "POST",
            "/transaction/initialize",
            body={
                "email": email,
                "amount": amount,
                "currency": currency,
                "reference": reference,
                "callback_url": redirect_url,
                "metadata": {"title": title[:60], "customer_name": name},
            },
        )
        return payload["data"]["authorization_url"]

    def verify(self, *, reference, gateway_id="") -> Verification:
        try:
            data = self.api.request("GET", f"/transaction/verify/{reference}")["data"]
        except GatewayError as exc:
            if exc.retryable:
                raise
            return Verification(reference=reference, gateway_id="", status="unknown", amount=0, currency="")
        return Verification(
            reference=data.get("reference", ""),
            gateway_id=str(data.get("id", "")),
            status=CHARGE_STATUS.get(data.get("status", ""), "pending"),
            amount=int(data.get("amount") or 0),
            currency=data.get("currency", ""),
            fee=int(data.get("fees") or 0),
            message=data.get("gateway_response") or "",
        )

    def parse_webhook(self, *, body, headers) -> Notice:
        signature = headers.get("x-paystack-signature", "")
        if not signature or not hmac.compare_digest(signature, sign(body, self.secret_key)):
            raise ForgedWebhook("The x-paystack-signature does not match.")
        try:
            event = json.loads(body)
            name, data = event["event"], event["data"]
        except (ValueError, KeyError, TypeError):
            raise ForgedWebhook("The body is not a Paystack event.") from None
        kind = WEBHOOK_KINDS.get(name, "other")
        reference = data.get("transaction_reference") if kind == "refund" else data.get("reference")
        return Notice(
            dedupe_key=f"paystack:{name}:{data.get('id', '')}",
            event_type=name,
            kind=kind,
            reference=str(reference or ""),
            gateway_id=str(data.get("transfer_code") or data.get("id") or ""),
            raw=event,
        )

    def refund(self, *, reference, gateway_id, amount, currency) -> RefundResult:
        data = self.api.request("POST", "/refund", body={"transaction": reference, "amount": amount})["data"]
        return self._refund(data)

    def refund_status(self, *, gateway_id) -> RefundResult:
        return self._refund(self.api.request("GET", f"/refund/{gateway_id}")["data"])

    def _refund(self, data: dict) -> RefundResult:
        return RefundResult(gateway_id=str(data["id"]), status=REFUND_STATUS.get(data.get("status", ""), "pending"))

    def list_refunds(self, *, reference, gateway_id, currency, since) -> list[RefundResult]:
        """GET /refund filtered by the transaction id, currency and dates; pages via meta.pageCount."""
        to = list_until().isoformat()
        params = {"transaction": gateway_id, "currency": currency, "from": since.isoformat(), "to": to}
        found: list[RefundResult] = []
        for page in range(1, MAX_PAGES + 1):
            payload = self.api.request("GET", "/refund", params={**params, "page": page})
            found += [self._listed(item) for item in payload["data"] if refunded_tx(item) == gateway_id]
            if page >= int((payload.get("meta") or {}).get("pageCount") or 1):
                break
        return found

    def _listed(self, data: dict) -> RefundResult:
        return replace(self._refund(data), amount=int(data.get("amount") or 0), currency=data.get("currency", ""))

    def list_banks(self, *, country, currency) -> list[Bank]:
        params = {"country": COUNTRIES.get(country, country.lower()), "currency": currency}
        banks = self.api.request("GET", "/bank", params=params)["data"]
        return sorted((Bank(code=str(b["code"]), name=b["name"]) for b in banks), key=lambda b: b.name)

    def resolve_account(self, *, bank_code, account_number) -> str:
        params = {"account_number": account_number, "bank_code": bank_code}
        return self.api.request("GET", "/bank/resolve", params=params)["data"]["account_name"]

    def create_recipient(self, *, bank_code, account_number, account_name, currency) -> str:
        body = {
            "type": RECIPIENT_TYPES.get(currency, "nuban"),
            "name": account_name,
            "account_number": account_number,
            "bank_code": bank_code,
            "currency": currency,
        }
        return self.api.request("POST", "/transferrecipient", body=body)["data"]["recipient_code"]

    def transfer(
        self, *, reference, amount, currency, bank_code, account_number, recipient_code, narration
    ) -> TransferResult:
        body = {
            "source": "balance",
            "amount": amount,
            "currency": currency,
            "recipient": recipient_code,
            "reference": reference,
            "reason": narration[:80],
        }
        return self._transfer(self.api.request("POST", "/transfer", body=body)["data"])

    def transfer_status(self, *, reference, gateway_id="") -> TransferResult:
        try:
            return self._transfer(self.api.request("GET", f"/transfer/verify/{reference}")["data"])
        except GatewayError as exc:
            if exc.retryable:
                raise
            return TransferResult(reference=reference, gateway_id="", status="unknown")

    def _transfer(self, data: dict) -> TransferResult:
        return TransferResult(
            reference=data.get("reference", ""),
            gateway_id=str(data.get("transfer_code", "")),
            status=TRANSFER_STATUS.get(data.get("status", ""), "pending"),
            message=data.get("reason") or "",
        )
