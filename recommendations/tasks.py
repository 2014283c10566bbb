"""Background work: vectors are computed here, after the change that caused them commits."""

from django.db import transaction
from django.tasks import task

from accounts.models import User
from questions.models import Question
from recommendations import services


@task()
def index_question(question_id: int) -> None:
    question = Question.objects.select_related("subject").filter(pk=question_id).first()
    if question is not None:
        services.index_question(question=question)


@task()
def index_tutor(tutor_id: int) -> None:
    tutor = User.objects.filter(pk=tutor_id, role=User.Role.TUTOR).first()
    if tutor is not None:
        services.index_tutor(tutor=tutor)


def question_changed(question_id: int) -> None:
    """Call from a view after a question is posted or edited."""
    transaction.on_commit(lambda: index_question.enqueue(question_id))


def tutor_changed(tutor_id: int) -> None:
    """Call from a view after a tutor's profile or history changes (bid, completed job, review)."""
    transaction.on_commit(lambda: index_tutor.enqueue(tutor_id))
