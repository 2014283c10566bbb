"""Background work: vectors are computed here, after the change that caused them commits.

The services below this app announce their changes through `core.changes`; apps.py
subscribes the two functions at the bottom, so every write path (site, API, admin, commands)
re-indexes without importing this app."""

from django.db import transaction
from django.tasks import task

from accounts.models import User
from questions.models import Question
from recommendations import services


@task()
def index_question(question_id: int) -> None:
    """An open question is (re)indexed; a closed one keeps its vector (tutors' history reads it)
    but leaves the postings, which only find open questions."""
    question = Question.objects.select_related("subject").filter(pk=question_id).first()
    if question is None:
        return
    if question.is_open:
        services.index_question(question=question)
    else:
        services.unlist_question(question_id=question.pk)


@task()
def index_tutor(tutor_id: int) -> None:
    tutor = User.objects.filter(pk=tutor_id, role=User.Role.TUTOR).first()
    if tutor is not None:
        services.index_tutor(tutor=tutor)


def question_changed(question_id: int) -> None:
    """Re-index the question once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: index_question.enqueue(question_id))


def tutor_changed(tutor_id: int) -> None:
    """Re-index the tutor's profile and record once the current transaction commits."""
    transaction.on_commit(lambda: index_tutor.enqueue(tutor_id))
