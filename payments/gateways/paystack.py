"""Paystack: initialize (hosted checkout), verify, HMAC-SHA512 webhooks, refunds, banks, resolve, transfers.

Paystack speaks subunits already (kobo, pesewas, cents), as integers.
"""

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import replace

from django.conf import settings

from payments.gateways.base import (
    MAX_PAGES,
    Bank,
    Charge,
    Chargeback,
    ForgedWebhook,
    GatewayError,
    HttpApi,
    Notice,
    RefundResult,
    TransferResult,
    Verification,
    in_window,
    list_until,
    parse_time,
    read_event,
    same,
    text,
    walk_pages,
    window,
)

CHARGE_STATUS = {"success": "succeeded", "failed": "failed", "reversed": "failed", "abandoned": "pending"}
TRANSFER_STATUS = {"success": "succeeded", "failed": "failed", "reversed": "reversed"}
REFUND_STATUS = {"processed": "succeeded", "failed": "failed"}
# In the transaction list a "reversed" transaction was paid and then refunded in full (or charged back):
# the money was taken, and its return is in the refund or dispute list.
LISTED_CHARGE_STATUS = {**CHARGE_STATUS, "reversed": "succeeded"}
# A resolved dispute: the merchant declined it (won), or accepted it or let it lapse (lost).
DISPUTE_RESOLUTION = {"declined": "won", "merchant-accepted": "lost", "auto-accepted": "lost"}
PER_PAGE = 100
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


def dispute_status(item: dict) -> str:
    """open | won | lost: a dispute is open until resolved (an archived one took nothing)."""
    if item.get("status") == "archived":
        return "won"
    if item.get("status") != "resolved":
        return "open"
    return DISPUTE_RESOLUTION.get(item.get("resolution") or "", "lost")


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
        if not signature or not same(signature, sign(body, self.secret_key)):
            raise ForgedWebhook("The x-paystack-signature does not match.")
        name, data = read_event(body, "Paystack")
        kind = "chargeback" if name.startswith("charge.dispute.") else WEBHOOK_KINDS.get(name, "other")
        if kind == "refund":
            reference = text(data.get("transaction_reference"))
        elif kind == "chargeback":  # the disputed charge comes whole inside the dispute
            charge = data.get("transaction")
            reference = text(charge.get("reference")) if isinstance(charge, dict) else ""
        else:
            reference = text(data.get("reference"))
        return Notice(
            dedupe_key=f"paystack:{name}:{text(data.get('id'))}",
            event_type=name,
            kind=kind,
            reference=reference,
            gateway_id=text(data.get("transfer_code")) or text(data.get("id")),
            raw={"event": name, "data": data},
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
        status = TRANSFER_STATUS.get(data.get("status", ""), "pending")
        # `reason` is the narration the transfer was sent with; why it failed is the gateway's response.
        why = data.get("gateway_response") if status in ("failed", "reversed") else ""
        return TransferResult(
            reference=data.get("reference", ""),
            gateway_id=str(data.get("transfer_code", "")),
            status=status,
            message=why or data.get("reason") or "",
            amount=int(data.get("amount") or 0),
            currency=data.get("currency") or "",
            fee=int(data.get("fee_charged") or 0),
        )

    # --- The gateway's own records, for reconciliation: every page, streamed ------------------------

    def list_charges(self, *, since, until) -> Iterator[Charge]:
        """GET /transaction (from, to, perPage, page), every page until meta.pageCount."""
        for item in self._walk("/transaction", since, until):
            created_at = parse_time(item.get("created_at") or item.get("createdAt"))
            if in_window(created_at, since, until):
                yield Charge(
                    reference=item.get("reference") or "",
                    gateway_id=str(item.get("id", "")),
                    status=LISTED_CHARGE_STATUS.get(item.get("status", ""), "pending"),
                    amount=int(item.get("amount") or 0),
                    currency=item.get("currency") or "",
                    fee=int(item.get("fees") or 0),
                    created_at=created_at,
                )

    def _walk(self, path: str, since, until) -> Iterator[dict]:
        query = {**window(since, until), "perPage": PER_PAGE}
        return walk_pages(
            lambda page: self.api.request("GET", path, params={**query, "page": page}),
            last_page=lambda payload: int((payload.get("meta") or {}).get("pageCount") or 1),
        )

    def list_all_refunds(self, *, since, until) -> Iterator[RefundResult]:
        """GET /refund (from, to, perPage, page); each names its transaction's reference."""
        for item in self._walk("/refund", since, until):
            created_at = parse_time(item.get("createdAt") or item.get("created_at"))
            if in_window(created_at, since, until):
                refund = self._listed(item)
                yield replace(refund, reference=item.get("transaction_reference") or "", created_at=created_at)

    def list_transfers(self, *, since, until) -> Iterator[TransferResult]:
        """GET /transfer (from, to, perPage, page); a reversed transfer comes back as "reversed"."""
        for item in self._walk("/transfer", since, until):
            if in_window(parse_time(item.get("createdAt") or item.get("created_at")), since, until):
                yield self._transfer(item)

    def list_chargebacks(self, *, since, until) -> Iterator[Chargeback]:
        """GET /dispute (from, to, perPage, page): open until resolved, then won or lost by its resolution."""
        for item in self._walk("/dispute", since, until):
            created_at = parse_time(item.get("createdAt") or item.get("created_at"))
            if not in_window(created_at, since, until):
                continue
            listed = item.get("transaction")
            charge: dict = listed if isinstance(listed, dict) else {}
            yield Chargeback(
                gateway_id=str(item.get("id", "")),
                reference=charge.get("reference") or item.get("transaction_reference") or "",
                amount=int(item.get("refund_amount") or charge.get("amount") or 0),
                currency=item.get("currency") or charge.get("currency") or "",
                status=dispute_status(item),
                created_at=created_at,
            )
