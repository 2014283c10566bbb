"""Background work: each task re-reads its row and is safe to run twice."""

from django.tasks import task


@task
def process_webhook_task(*, event_id: int) -> str:
    from payments.services import process_webhook

    return process_webhook(event_id=event_id).status


@task
def send_refund_task(*, refund_id: int) -> str:
    from payments.services import send_refund

    return send_refund(refund_id=refund_id).status


@task
def send_payout_task(*, payout_id: int) -> str:
    from payments.services import send_payout

    return send_payout(payout_id=payout_id).status


@task
def reconcile_task(*, everything: bool = False) -> list[str]:
    from payments.services import reconcile

    return reconcile(everything=everything).lines()


@task
def compare_with_gateways_task(*, run_id: int) -> str:
    from payments.services import compare_with_gateways

    return compare_with_gateways(run_id=run_id).status
