"""The sandbox delivers its webhooks in the background, like a real gateway."""

import httpx
from django.conf import settings
from django.tasks import task
from django.utils import timezone

from payments.gateways import base
from payments.sandbox.models import SandboxWebhook


@task
def deliver_webhook(*, webhook_id: int) -> int | None:
    hook = SandboxWebhook.objects.get(pk=webhook_id)
    from payments.sandbox import settle

    settle.before_webhook(hook)
    try:
        with httpx.Client(timeout=settings.PAYMENT_HTTP_TIMEOUT, transport=base.TRANSPORT) as client:
            response = client.post(hook.url, content=hook.body.encode(), headers=hook.headers)
    except httpx.HTTPError:
        return None  # a real gateway retries later; our reconciliation covers the gap
    SandboxWebhook.objects.filter(pk=hook.pk).update(sent_at=timezone.now(), response_status=response.status_code)
    return response.status_code


def deliver_delayed() -> int:
    """Send every webhook held back by the 'delay' fault (they arrive late, maybe out of order)."""
    held = list(SandboxWebhook.objects.filter(delayed=True, sent_at=None).order_by("-id"))
    for hook in held:
        deliver_webhook.call(webhook_id=hook.pk)
    return len(held)
