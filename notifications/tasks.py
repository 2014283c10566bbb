from django.tasks import task

from notifications import services


@task
def deliver_message_task(message_id: int) -> None:
    """One delivery attempt, run by the task worker after the notifying transaction commits."""
    services.deliver_message(message_id=message_id)
