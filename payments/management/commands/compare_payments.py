from django.core.management.base import BaseCommand

from payments.models import ReconciliationRun
from payments.services import compare_with_gateways, start_comparison


class Command(BaseCommand):
    help = (
        "Compare the books with each gateway's own records (transactions, refunds, transfers, chargebacks) "
        "and settle every difference by its rule; what needs staff shows on /staff/payments/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="How far back to read (default: the setting).")

    def handle(self, *args, **options):
        run = start_comparison(days=options["days"])
        if run.status == ReconciliationRun.Status.QUEUED:
            run = compare_with_gateways(run_id=run.pk)  # here and now; the queued task then finds it done
        self.stdout.write(
            f"{run.get_status_display()}: {run.records_seen} gateway records read, {run.differences} differences."
        )
        if run.error:
            self.stderr.write(run.error)
