from django.core.management.base import BaseCommand

from chat.reminders import remind_unread


class Command(BaseCommand):
    help = "Notify people of chat messages they have left unread for a few minutes (once per unread stretch)."

    def handle(self, *args, **options):
        self.stdout.write(f"Reminded {remind_unread()} person(s) of unread messages.")
