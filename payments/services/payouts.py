"""Tutors get paid: a bank account resolved by name before it is saved, payouts sent as transfers.

A payout first moves the amount from available to "in flight" (so it can't be spent twice), then the
transfer goes out under our unique reference. The gateway refuses a second transfer with the same
reference, so a retry after a timeout asks for the status instead of paying again. A failed transfer
returns the money to the available balance.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.money import currency_rules, format_money
from core.text import clause
from notifications.services import notify
from payments import ledger
from payments.gateways import Gateway, GatewayError, gateway_for_currency, get_gateway
from payments.gateways.base import Bank, TransferResult
from payments.models import Account, BankAccount, Discrepancy, Payout, new_reference
from payments.services import discrepancies
from payments.services.locks import lock_tutor

log = logging.getLogger("payments.payouts")

ONLY_TUTORS = "Only tutors have payout accounts."
BAD_NUMBER = "Enter the account number: digits only, 10 for a Nigerian (NUBAN) account."
UNKNOWN_BANK = "Pick your bank from the list."
NOT_FOUND = "We couldn't find that account at {bank}. Check the number and the bank."
GATEWAY_DOWN = "We couldn't reach the bank just now. Please try again in a minute."
ALREADY_SAVED = "You have already saved this account."
TOO_MUCH = "You can withdraw at most {available}."
TOO_LITTLE = "The smallest payout is {minimum}."
NOT_YOUR_ACCOUNT = "That bank account is not yours."
NO_BANK_PAYOUTS = (
    "Payouts to a bank account in {currency} are not available: our payment partner does not send {currency} "
    "to banks. Your {currency} earnings stay safe in your balance. Write to {email} and we will arrange how to "
    "pay them to you."
)


@dataclass(frozen=True)
class ResolvedAccount:
    currency: str
    bank_code: str
    bank_name: str
    account_number: str
    account_name: str


def bank_payouts_problem(currency: str) -> str:
    """Why a tutor can't be paid to a bank in this currency (for good, not a passing outage), or ""."""
    if currency_rules(currency).bank_payouts:
        return ""
    return NO_BANK_PAYOUTS.format(currency=currency, email=settings.SUPPORT_EMAIL)


def banks_for(currency: str) -> list[Bank]:
    if bank_payouts_problem(currency):
        return []
    country = currency_rules(currency).bank_country
    try:
        return gateway_for_currency(currency).list_banks(country=country, currency=currency)
    except GatewayError:
        return []


def resolve_bank_account(*, user: User, currency: str, bank_code: str, account_number: str) -> ResolvedAccount:
    """Ask the gateway whose account this is; the tutor sees the name before saving."""
    if not user.is_tutor:
        raise PermissionDenied(ONLY_TUTORS)
    if problem := bank_payouts_problem(currency):
        raise ValidationError(problem, code="no_bank_payouts")
    account_number = account_number.strip().replace(" ", "")
    if not re.fullmatch(r"\d{10}" if currency == "NGN" else r"\d{6,20}", account_number):
        raise ValidationError({"account_number": BAD_NUMBER})
    bank = next((b for b in banks_for(currency) if b.code == bank_code), None)
    if bank is None:
        raise ValidationError({"bank_code": UNKNOWN_BANK})
    try:
        name = gateway_for_currency(currency).resolve_account(bank_code=bank_code, account_number=account_number)
    except GatewayError as exc:
        message = GATEWAY_DOWN if exc.retryable else NOT_FOUND.format(bank=bank.name)
        raise ValidationError({"account_number": message}) from None
    return ResolvedAccount(currency, bank.code, bank.name, account_number, name)


def add_bank_account(*, user: User, currency: str, bank_code: str, account_number: str) -> BankAccount:
    """Resolve again on the server (never trust a name sent back by the browser) and save."""
    resolved = resolve_bank_account(user=user, currency=currency, bank_code=bank_code, account_number=account_number)
    gateway = gateway_for_currency(currency)
    try:
        recipient = gateway.create_recipient(
            bank_code=resolved.bank_code,
            account_number=resolved.account_number,
            account_name=resolved.account_name,
            currency=currency,
        )
    except GatewayError:
        raise ValidationError({"account_number": GATEWAY_DOWN}) from None
    try:
        with transaction.atomic():
            return BankAccount.objects.create(
                user=user,
                gateway=gateway.name,
                currency=currency,
                bank_code=resolved.bank_code,
                bank_name=resolved.bank_name,
                account_number=resolved.account_number,
                account_name=resolved.account_name,
                recipient_code=recipient,
            )
    except IntegrityError:
        raise ValidationError({"account_number": ALREADY_SAVED}) from None


@transaction.atomic
def request_payout(*, tutor: User, bank_account: BankAccount, amount: int) -> Payout:
    if bank_account.user_id != tutor.pk:
        raise PermissionDenied(NOT_YOUR_ACCOUNT)
    currency = bank_account.currency
    if problem := bank_payouts_problem(currency):
        raise ValidationError(problem, code="no_bank_payouts")
    minimum = currency_rules(currency).min_payout
    if amount < minimum:
        raise ValidationError({"amount": TOO_LITTLE.format(minimum=format_money(minimum, currency))})
    lock_tutor(tutor)
    available = ledger.balance(account=Account.TUTOR_AVAILABLE, currency=currency, user=tutor)
    if amount > available:
        raise ValidationError({"amount": TOO_MUCH.format(available=format_money(available, currency))})
    payout = Payout.objects.create(
        tutor=tutor,
        bank_account=bank_account,
        gateway=bank_account.gateway,
        reference=new_reference(f"T{tutor.pk}"),
        amount=amount,
        currency=currency,
    )
    ledger.post(
        key=f"payout:{payout.pk}:reserve",
        kind="payout",
        currency=currency,
        description=f"Payout {payout.reference} requested",
        legs=[
            ledger.Leg(Account.TUTOR_AVAILABLE, -amount, user=tutor),
            ledger.Leg(Account.TUTOR_PAYOUT_IN_FLIGHT, amount, user=tutor),
        ],
    )
    from payments.tasks import send_payout_task

    transaction.on_commit(lambda: send_payout_task.enqueue(payout_id=payout.pk))
    return payout


def send_payout(*, payout_id: int) -> Payout:
    """Send the transfer, or, if it may already have gone, ask the gateway how it went."""
    payout = Payout.objects.select_related("bank_account").get(pk=payout_id)
    if payout.status != Payout.Status.PENDING:
        return payout
    gateway = get_gateway(payout.gateway)
    try:
        result = gateway.transfer_status(reference=payout.reference, gateway_id=payout.gateway_id)
        if result.status == "unknown":  # not found under our reference: sending can't pay twice
            result = _transfer(payout, gateway, first=_claim_first_send(payout))
    except GatewayError as exc:
        if exc.retryable:
            return payout  # unknown outcome: reconciliation asks again, by reference
        result = TransferResult(reference=payout.reference, gateway_id="", status="failed", message=str(exc))
    return apply_transfer_result(payout=payout, result=result)


def recheck_payout(*, payout_id: int) -> Payout:
    """A transfer webhook: settle a pending payout, or notice that a paid one was reversed."""
    payout = Payout.objects.get(pk=payout_id)
    if payout.status == Payout.Status.PENDING:
        return send_payout(payout_id=payout.pk)
    if payout.status != Payout.Status.SUCCEEDED:
        return payout
    try:
        result = get_gateway(payout.gateway).transfer_status(reference=payout.reference, gateway_id=payout.gateway_id)
    except GatewayError:
        return payout  # the comparison with the gateway's transfer list finds it later
    return apply_transfer_result(payout=payout, result=result)


def _claim_first_send(payout: Payout) -> bool:
    """Mark the payout as sent, committed before the request; True for the first request only."""
    return Payout.objects.filter(pk=payout.pk, sent_at__isnull=True).update(sent_at=timezone.now()) == 1


def _transfer(payout: Payout, gateway: Gateway, *, first: bool) -> TransferResult:
    account = payout.bank_account
    try:
        return gateway.transfer(
            reference=payout.reference,
            amount=payout.amount,
            currency=payout.currency,
            bank_code=account.bank_code,
            account_number=account.account_number,
            recipient_code=account.recipient_code,
            narration=f"Expert Hive payout {payout.reference}",
        )
    except GatewayError as exc:
        if first or exc.retryable:
            raise
        # An earlier request (a timeout, or another worker at the same moment) may have reached
        # the gateway, and both gateways refuse a second transfer under one reference: this refusal
        # may mean exactly that. Calling it failed would hand the money back while the first
        # transfer pays it out, so the payout stays pending for the lookup (and staff) to settle.
        log.warning("Payout %s: transfer refused on a repeat request (%s); left pending", payout.reference, exc)
        return TransferResult(reference=payout.reference, gateway_id="", status="pending")


@transaction.atomic
def apply_transfer_result(*, payout: Payout, result: TransferResult) -> Payout:
    lock_tutor(payout.tutor)
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if result.fee and not payout.fee and result.status in ("succeeded", "reversed"):
        book_transfer_fee(payout, result.fee)  # a failed transfer costs nothing; a reversed one keeps its fee
    if payout.status == Payout.Status.SUCCEEDED and result.status == "reversed":
        _reverse(payout, result)
    if payout.status != Payout.Status.PENDING:
        return payout  # already settled by a webhook or an earlier check
    payout.gateway_id = result.gateway_id or payout.gateway_id
    if result.status == "succeeded":
        payout.move_to(Payout.Status.SUCCEEDED, note="the bank confirmed the transfer")
        payout.paid_at = timezone.now()
        _post_payout(payout, to=Account.TUTOR_PAID_OUT)
        notify(payout.tutor, "payout_sent", amount_display=_display(payout), url=reverse("earnings"))
    elif result.status in ("failed", "reversed"):
        payout.move_to(result.status, note=result.message or f"the transfer {result.status}")
        payout.failure_reason = result.message[:300] or "The bank refused the transfer."
        _post_payout(payout, to=Account.TUTOR_AVAILABLE)
        _tell_returned(payout)
    payout.save()
    return payout


def _reverse(payout: Payout, result: TransferResult) -> None:
    """A paid transfer came back (a closed account, a name mismatch): the money is the tutor's again."""
    payout.move_to(Payout.Status.REVERSED, note=result.message or "the bank reversed the transfer")
    payout.failure_reason = result.message[:300] or "The bank sent the transfer back."
    payout.save()
    ledger.post(
        key=f"payout:{payout.pk}:reversed",
        kind="payout_reversed",
        currency=payout.currency,
        description=f"Payout {payout.reference} reversed by the bank",
        legs=[
            ledger.Leg(Account.TUTOR_PAID_OUT, -payout.amount, user=payout.tutor),
            ledger.Leg(Account.TUTOR_AVAILABLE, payout.amount, user=payout.tutor),
        ],
    )
    discrepancies.record(
        kind=Discrepancy.Kind.TRANSFER_REVERSED,
        key=payout.reference,
        gateway=payout.gateway,
        settled=True,
        note="Reversed by the bank: returned to the tutor's available balance.",
        amount=payout.amount,
        currency=payout.currency,
        payout=payout,
    )
    _tell_returned(payout)


def _tell_returned(payout: Payout) -> None:
    notify(
        payout.tutor,
        "payout_failed",
        amount_display=_display(payout),
        reason=_short_reason(payout.failure_reason),
        url=reverse("earnings"),
    )


def book_transfer_fee(payout: Payout, fee: int) -> None:
    """What the gateway charged to send the transfer comes out of platform revenue."""
    Payout.objects.filter(pk=payout.pk, fee=0).update(fee=fee)
    ledger.post(
        key=f"payout:{payout.pk}:fee",
        kind="transfer_fee",
        currency=payout.currency,
        description=f"{payout.gateway} transfer fee on {payout.reference}",
        legs=[ledger.Leg(Account.PLATFORM_REVENUE, -fee), ledger.Leg(Account.GATEWAY_FEES, fee)],
    )


def _short_reason(reason: str, limit: int = 60) -> str:
    """The bank's reason for an SMS that wraps it in its own sentence: no full stop, cut at a word."""
    reason = clause(reason)
    if len(reason) <= limit:
        return reason
    return reason[: limit - 3].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


def _display(payout: Payout) -> str:
    return format_money(payout.amount, payout.currency)


def _post_payout(payout: Payout, *, to: str) -> None:
    ledger.post(
        key=f"payout:{payout.pk}:settle",
        kind="payout_" + payout.status,
        currency=payout.currency,
        description=f"Payout {payout.reference} {payout.status}",
        legs=[
            ledger.Leg(Account.TUTOR_PAYOUT_IN_FLIGHT, -payout.amount, user=payout.tutor),
            ledger.Leg(to, payout.amount, user=payout.tutor),
        ],
    )
