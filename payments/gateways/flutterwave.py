"""Flutterwave v3: Standard (hosted) checkout, verify, webhooks, refunds, banks, account resolve, transfers.

Flutterwave speaks major units ("amount": 4000 for ₦4,000); we convert at this edge only, exactly.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.conf import settings

from core.money import MINOR_DIGITS, major_text, to_minor
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

CHARGE_STATUS = {"successful": "succeeded", "failed": "failed", "cancelled": "cancelled", "pending": "pending"}
TRANSFER_STATUS = {
    "NEW": "pending",
    "PENDING": "pending",
    "SUCCESSFUL": "succeeded",
    "FAILED": "failed",
    "REVERSED": "reversed",
}
REFUND_STATUS = {"completed": "succeeded", "completed-offline": "succeeded", "failed": "failed"}
# A chargeback the merchant declined waits for the bank's arbitration; one accepted is lost.
CHARGEBACK_STATUS = {"accepted": "lost", "lost": "lost", "won": "won"}
LOOKUPS_KEPT = 1024  # transactions remembered while reading a list that names them by id only


def minor(value, currency: str) -> int:
    return to_minor(Decimal(str(value)), currency) if value not in (None, "", "N/A") else 0


def rounded_minor(value, currency: str) -> int:
    """Minor units from a listed figure, rounded half up: fees come with a third decimal (₦26.875)."""
    if value in (None, "", "N/A") or not currency:
        return 0
    digits = MINOR_DIGITS.get(currency, 2)
    return int(Decimal(str(value)).scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def total_pages(payload: dict) -> int:
    return int(((payload.get("meta") or {}).get("page_info") or {}).get("total_pages") or 1)


def refunded_tx(item: dict) -> str:
    """The transaction a listed refund belongs to: `transaction_id` in the list, `tx_id` in a created refund."""
    return str(item.get("transaction_id") or item.get("tx_id") or "")


def sign(body: bytes, secret_hash: str) -> str:
    """The flutterwave-signature header: base64 HMAC-SHA256 of the raw body with the secret hash."""
    return base64.b64encode(hmac.new(secret_hash.encode(), body, hashlib.sha256).digest()).decode()


class Flutterwave:
    name = "flutterwave"

    def __init__(self, conf: dict | None = None):
        conf = conf or settings.FLUTTERWAVE
        self.api = HttpApi(base_url=conf["BASE_URL"], secret_key=conf["SECRET_KEY"], name="Flutterwave")
        self.webhook_hash = conf["WEBHOOK_HASH"]

    def checkout(self, *, reference, amount, currency, email, name, redirect_url, title) -> str:
        payload = self.api.request(
            "POST",
            "/payments",
            body={
                "tx_ref": reference,
                "amount": major_text(amount, currency),
                "currency": currency,
                "redirect_url": redirect_url,
                "customer": {"email": email, "name": name},
                "customizations": {"title": title[:60]},
            },
        )
        return payload["data"]["link"]

    def verify(self, *, reference, gateway_id="") -> Verification:
        try:
            if gateway_id:
                payload = self.api.request("GET", f"/transactions/{int(gateway_id)}/verify")
            else:
                payload = self.api.request("GET", "/transactions/verify_by_reference", params={"tx_ref": reference})
        except GatewayError as exc:
            if exc.retryable:
                raise
            return Verification(reference=reference, gateway_id=gateway_id, status="unknown", amount=0, currency="")
        data = payload["data"]
        currency = data.get("currency", "")
        return Verification(
            reference=data.get("tx_ref", ""),
            gateway_id=str(data.get("id", "")),
            status=CHARGE_STATUS.get(data.get("status", ""), "unknown"),
            amount=minor(data.get("amount"), currency) if currency else 0,
            currency=currency,
            fee=minor(data.get("app_fee"), currency) if currency else 0,
            message=data.get("processor_response") or "",
        )

    def parse_webhook(self, *, body, headers) -> Notice:
        self.check_signature(body, headers)
        kind_name, data = read_event(body, "Flutterwave", parse_float=Decimal)
        kind = {"charge.completed": "charge", "transfer.completed": "transfer", "refund.completed": "refund"}.get(
            kind_name, "other"
        )
        reference = text(data.get("tx_ref")) or text(data.get("reference"))
        # refund.completed names the refunded transaction by its id only, not by our reference.
        object_id = text(data.get("TransactionId")) if kind == "refund" else text(data.get("id"))
        return Notice(
            dedupe_key=f"flutterwave:{kind_name}:{text(data.get('id'))}:{text(data.get('status'))}",
            event_type=kind_name,
            kind=kind,
            reference=reference,
            gateway_id=object_id,
            raw={"event": kind_name, "data": data},
        )

    def check_signature(self, body: bytes, headers: dict[str, str]) -> None:
        signature, plain = headers.get("flutterwave-signature", ""), headers.get("verif-hash", "")
        if signature:
            if not same(signature, sign(body, self.webhook_hash)):
                raise ForgedWebhook("The flutterwave-signature does not match.")
        elif not plain or not same(plain, self.webhook_hash):
            raise ForgedWebhook("The verif-hash does not match.")

    def refund(self, *, reference, gateway_id, amount, currency) -> RefundResult:
        payload = self.api.request(
            "POST", f"/transactions/{int(gateway_id)}/refund", body={"amount": major_text(amount, currency)}
        )
        return self._refund(payload["data"])

    def refund_status(self, *, gateway_id) -> RefundResult:
        return self._refund(self.api.request("GET", f"/refunds/{int(gateway_id)}")["data"])

    def _refund(self, data: dict) -> RefundResult:
        return RefundResult(gateway_id=str(data["id"]), status=REFUND_STATUS.get(data.get("status", ""), "pending"))

    def list_refunds(self, *, reference, gateway_id, currency, since) -> list[RefundResult]:
        """GET /v3/refunds filtered by the transaction (`id`), currency and dates; pages via meta.page_info."""
        params = {"id": gateway_id, "currency": currency, "from": since.isoformat(), "to": list_until().isoformat()}
        found: list[RefundResult] = []
        for page in range(1, MAX_PAGES + 1):
            payload = self.api.request("GET", "/refunds", params={**params, "page": page})
            found += [self._listed(item, currency) for item in payload["data"] if refunded_tx(item) == gateway_id]
            if page >= int(((payload.get("meta") or {}).get("page_info") or {}).get("total_pages") or 1):
                break
        return found

    def _listed(self, data: dict, currency: str) -> RefundResult:
        # A refund has no currency of its own here: it is the transaction's, which the list was filtered by.
        amount = minor(data.get("amount_refunded"), currency)
        return replace(self._refund(data), amount=amount, currency=currency)

    def list_banks(self, *, country, currency) -> list[Bank]:
        payload = self.api.request("GET", f"/banks/{country}")
        return sorted((Bank(code=str(b["code"]), name=b["name"]) for b in payload["data"]), key=lambda b: b.name)

    def resolve_account(self, *, bank_code, account_number) -> str:
        payload = self.api.request(
            "POST", "/accounts/resolve", body={"account_number": account_number, "account_bank": bank_code}
        )
        return payload["data"]["account_name"]

    def create_recipient(self, *, bank_code, account_number, account_name, currency) -> str:
        return ""  # transfers name the bank and account directly

    def transfer(
        self, *, reference, amount, currency, bank_code, account_number, recipient_code, narration
    ) -> TransferResult:
        payload = self.api.request(
            "POST",
            "/transfers",
            body={
                "account_bank": bank_code,
                "account_number": account_number,
                "amount": major_text(amount, currency),
                "currency": currency,
                "debit_currency": currency,
                "narration": narration[:80],
                "reference": reference,
            },
        )
        return self._transfer(payload["data"])

    def transfer_status(self, *, reference, gateway_id="") -> TransferResult:
        if gateway_id:
            return self._transfer(self.api.request("GET", f"/transfers/{int(gateway_id)}")["data"])
        listed = self.api.request("GET", "/transfers", params={"reference": reference})["data"]
        # Matched here too: should the API ignore the filter, another payout's transfer must not
        # pass for ours.
        found = [item for item in listed if item.get("reference") == reference]
        if not found:
            return TransferResult(reference=reference, gateway_id="", status="unknown")
        return self._transfer(found[0])

    def _transfer(self, data: dict) -> TransferResult:
        currency = data.get("currency") or ""
        return TransferResult(
            reference=data.get("reference", ""),
            gateway_id=str(data.get("id", "")),
            status=TRANSFER_STATUS.get(data.get("status", ""), "pending"),
            message=data.get("complete_message") or "",
            amount=rounded_minor(data.get("amount"), currency),
            currency=currency,
            fee=rounded_minor(data.get("fee"), currency),
        )

    # --- The gateway's own records, for reconciliation: every page, streamed ------------------------

    def list_charges(self, *, since, until) -> Iterator[Charge]:
        """GET /v3/transactions (from, to, page), every page until meta.page_info.total_pages."""
        for item in self._walk("/transactions", since, until):
            charge = self._listed_charge(item)
            if in_window(charge.created_at, since, until):
                yield charge

    def _walk(self, path: str, since, until) -> Iterator[dict]:
        query = window(since, until)
        return walk_pages(
            lambda page: self.api.request("GET", path, params={**query, "page": page}), last_page=total_pages
        )

    def _listed_charge(self, data: dict) -> Charge:
        currency = data.get("currency") or ""
        return Charge(
            reference=data.get("tx_ref") or "",
            gateway_id=str(data.get("id", "")),
            status=CHARGE_STATUS.get(data.get("status", ""), "pending"),
            amount=rounded_minor(data.get("amount"), currency),
            currency=currency,
            fee=rounded_minor(data.get("app_fee"), currency),
            created_at=parse_time(data.get("created_at")),
        )

    def list_all_refunds(self, *, since, until) -> Iterator[RefundResult]:
        """GET /v3/refunds (from, to, page). A listed refund names its transaction by id, without our
        reference or a currency, so each transaction is looked up once (a bounded cache: memory stays flat)."""
        charge_of = lru_cache(maxsize=LOOKUPS_KEPT)(self._charge_of)
        for item in self._walk("/refunds", since, until):
            created_at = parse_time(item.get("created_at"))
            if not in_window(created_at, since, until):
                continue
            reference, currency = charge_of(refunded_tx(item))
            amount = rounded_minor(item.get("amount_refunded"), currency)
            refund = self._refund(item)
            yield replace(refund, amount=amount, currency=currency, reference=reference, created_at=created_at)

    def _charge_of(self, transaction_id: str) -> tuple[str, str]:
        """Our reference and the currency of one of the gateway's transactions ("" where it can't say)."""
        if not transaction_id.isdigit():
            return "", ""
        try:
            data = self.api.request("GET", f"/transactions/{int(transaction_id)}/verify")["data"]
        except GatewayError as exc:
            if exc.retryable:
                raise
            return "", ""
        return str(data.get("tx_ref") or ""), str(data.get("currency") or "")

    def list_transfers(self, *, since, until) -> Iterator[TransferResult]:
        """GET /v3/transfers (from, to, page); a reversed transfer comes back as "reversed"."""
        for item in self._walk("/transfers", since, until):
            if in_window(parse_time(item.get("created_at")), since, until):
                yield self._transfer(item)

    def list_chargebacks(self, *, since, until) -> Iterator[Chargeback]:
        """GET /v3/chargebacks (from, to, page). Amounts are major units of the transaction's currency,
        which the chargeback does not repeat, so the transaction is looked up (once each)."""
        charge_of = lru_cache(maxsize=LOOKUPS_KEPT)(self._charge_of)
        for item in self._walk("/chargebacks", since, until):
            created_at = parse_time(item.get("created_at"))
            if not in_window(created_at, since, until):
                continue
            reference, currency = charge_of(str(item.get("transaction_id") or ""))
            yield Chargeback(
                gateway_id=str(item.get("id", "")),
                reference=str(item.get("tx_ref") or reference),
                amount=rounded_minor(item.get("amount"), currency),
                currency=currency,
                status=CHARGEBACK_STATUS.get(str(item.get("status", "")).lower(), "open"),
                created_at=created_at,
            )
