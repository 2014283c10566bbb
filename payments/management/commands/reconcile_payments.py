from django.core.management.base import BaseCommand

from payments.services import reconcile


class Command(BaseCommand):
    help = "Re-verify stuck payments, poll refunds and transfers, retry webhooks, and report mismatches."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Check everything pending, however recent.")

    def handle(self, *args, **options):
        for line in reconcile(everything=options["all"]).lines():
            self.stdout.write(line)
