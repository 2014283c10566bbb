import time

from django.core.management.base import BaseCommand

from notifications.services import deliver_due_messages


class Command(BaseCommand):
    help = "Send outbox messages that are due: retries, quiet-hour SMS and anything a crashed worker left."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Keep running, checking every N seconds.")

    def handle(self, *args, every: int = 0, **options):
        while True:
            sent = deliver_due_messages()
            self.stdout.write(f"Attempted {sent} due message(s).")
            if not every:
                return
            time.sleep(every)
