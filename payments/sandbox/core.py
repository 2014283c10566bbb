"""The sandbox's shared machinery: auth, fault injection, JSON with exact decimals, webhooks, fake banks."""

import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial, wraps

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from payments.sandbox.models import SandboxFault, SandboxWebhook

BANKS = {
    "NG": [
        ("044", "Access Bank"),
        ("011", "First Bank of Nigeria"),
        ("058", "Guaranty Trust Bank"),
        ("50211", "Kuda Bank"),
        ("232", "Sterling Bank"),
        ("033", "United Bank For Africa"),
        ("057", "Zenith Bank"),
    ],
    "GH": [("GH280100", "Access Bank Ghana"), ("GH030100", "Ghana Commercial Bank"), ("GH010100", "Ecobank Ghana")],
    "KE": [("01", "Kenya Commercial Bank"), ("68", "Equity Bank"), ("MPS", "M-Pesa")],
    "ZA": [("632005", "ABSA Bank"), ("470010", "Capitec Bank"), ("250655", "First National Bank")],
}
GIVEN = ["Adaeze", "Babajide", "Chiamaka", "Emeka", "Funke", "Ifeanyi", "Kemi", "Musa", "Ngozi", "Tunde"]
FAMILY = ["Okafor", "Balogun", "Eze", "Adeleke", "Ibrahim", "Nwosu", "Ogunleye", "Bello"]
DECIMAL_MARK = re.compile(r'"__decimal__([-0-9.]+)"')


def dumps(payload) -> str:
    """JSON whose Decimal amounts come out as exact numbers, the way the providers send them."""
    return DECIMAL_MARK.sub(r"\1", json.dumps(payload, default=lambda d: f"__decimal__{d}"))


def answer(payload, status: int = 200) -> HttpResponse:
    return HttpResponse(dumps(payload), status=status, content_type="application/json")


def body_of(request) -> dict:
    try:
        data = json.loads(request.body or b"{}", parse_float=Decimal)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def account_name(account_number: str) -> str:
    """A stable made-up holder name for any account number."""
    digest = int(hashlib.sha256(account_number.encode()).hexdigest(), 16)
    return f"{GIVEN[digest % len(GIVEN)]} {FAMILY[(digest // 7) % len(FAMILY)]}".upper()


def valid_account(account_number: str) -> bool:
    return bool(re.fullmatch(r"\d{10}", account_number)) and account_number != "0000000000"


def transfer_outcome(account_number: str) -> str:
    """Sandbox rule: accounts ending in 9 fail at the bank after the transfer is accepted."""
    return "failed" if account_number.endswith("9") else "successful"


def api(gateway: str, operation: str, *, secret: Callable[[], str], refuse: Callable[[str], HttpResponse]):
    """Wrap a sandbox endpoint: check the bearer key, then apply any injected fault."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.headers.get("Authorization", "") != f"Bearer {secret()}":
                return refuse("Invalid authorization key")
            fault = take_fault(gateway, operation)
            if fault == SandboxFault.Mode.ERROR:
                return JsonResponse({"status": "error", "message": "Internal server error"}, status=500)
            if fault == SandboxFault.Mode.LOST:
                return timed_out(JsonResponse({}, status=504))  # nothing done; the caller never hears back
            response = view(request, *args, **kwargs)
            if fault == SandboxFault.Mode.TIMEOUT:
                return timed_out(response)  # the work is done; the caller never hears back
            return response

        return wrapped

    return decorate


def timed_out(response: HttpResponse) -> HttpResponse:
    time.sleep(settings.SANDBOX_TIMEOUT_SECONDS)  # longer than the client waits
    response["X-Sandbox-Fault"] = "timeout"
    return response


def dated(queryset: QuerySet, request) -> QuerySet:
    """A list endpoint's `from` / `to` filters: dates (or timestamps) on created_at, both days included."""
    for name, lookup in (("from", "gte"), ("to", "lte")):
        if request.GET.get(name):
            day = date.fromisoformat(request.GET[name][:10])  # a ValueError is the caller's bad request
            queryset = queryset.filter(**{f"created_at__date__{lookup}": day})
    return queryset


def page_of(rows: QuerySet, *, page: int, size: int) -> tuple[list, int, int]:
    """One page of a list (pages count from 1), how many rows in all and how many pages: only the page's
    rows are read, so a list of any length costs the same."""
    if page < 1 or size < 1:
        raise ValueError("pages and page sizes start at 1")
    total = rows.count()
    return list(rows[(page - 1) * size : page * size]), total, max(1, -(-total // size))


def number_in(query, name: str, default: int) -> int:
    """An integer query parameter (a ValueError is the caller's bad request)."""
    return int(query.get(name) or default)


def take_fault(gateway: str, operation: str) -> str:
    with transaction.atomic():
        fault = SandboxFault.objects.filter(gateway=gateway, operation=operation, remaining__gt=0).first()
        if fault is None:
            return ""
        fault.remaining -= 1
        fault.save(update_fields=["remaining"])
        return fault.mode


def inject_fault(*, gateway: str, operation: str, mode: str, times: int = 1) -> SandboxFault:
    return SandboxFault.objects.create(gateway=gateway, operation=operation, mode=mode, remaining=times)


def queue_webhook(*, gateway: str, url: str, body: str, headers: dict, mode: str = "send") -> None:
    """Send a webhook after this transaction commits: once, twice, later (delayed) or never (dropped)."""
    mode = take_fault(gateway, "webhook") or mode if mode == "send" else mode
    if mode == "drop":
        return
    copies = 2 if mode == "duplicate" else 1
    for _ in range(copies):
        hook = SandboxWebhook.objects.create(
            gateway=gateway, url=url, body=body, headers=headers, delayed=mode == "delay"
        )
        if not hook.delayed:
            from payments.sandbox.tasks import deliver_webhook

            transaction.on_commit(partial(deliver_webhook.enqueue, webhook_id=hook.pk))
