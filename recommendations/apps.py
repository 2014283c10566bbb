from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from core import changes
        from recommendations import tasks

        # The services announce after commit; the index catches up in a task, not in the request.
        changes.question_changed.subscribe(tasks.question_changed)
        changes.tutor_changed.subscribe(tasks.tutor_changed)
