from django.core.management.base import BaseCommand

from recommendations.services import refresh


class Command(BaseCommand):
    help = "Index open questions and tutors whose history changed, and record what followed impressions."

    def handle(self, *args, **options):
        done = refresh()
        self.stdout.write(
            f"Indexed {done['questions']} questions and {done['tutors']} tutors; {done['outcomes']} outcomes recorded."
        )
