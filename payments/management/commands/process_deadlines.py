from django.core.management.base import BaseCommand

from payments.services import process_deadlines


class Command(BaseCommand):
    help = "Lapse unpaid engagements, auto-approve (and pay) deliveries and expire questions whose time is up."

    def handle(self, *args, **options):
        done = process_deadlines()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in done.items()))
