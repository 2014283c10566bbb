"""Schemathesis throws generated requests, valid and invalid, at every operation in the OpenAPI
schema, as a student and as a tutor: none may end in a server error (500).

It runs in-process over WSGI inside the test's transaction, so it sees the personas and their
marketplace and leaves nothing behind. Bounded: a few examples per operation, well under a minute."""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from api.services import issue_token
from chat import services as chat_services
from experthive.wsgi import application
from tests.conftest import pdf

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 5


@contextmanager
def one_connection():
    """Like Django's test client: the request must not close the test's connection (and its transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def real_ids(delivered) -> dict[str, int]:
    """Path parameters that hit real objects, so generated bodies reach the services too."""
    question = delivered.question
    conversation = chat_services.open_conversation(bid=delivered.bid, by=delivered.student)
    chat_services.post_message(
        conversation=conversation, by=delivered.tutor, text="", files=[pdf()], client_id="fuzz-000001"
    )
    return {
        "question_id": question.pk,
        "bid_id": delivered.bid_id,
        "engagement_id": delivered.pk,
        "attachment_id": question.attachments.get().pk,
        "file_id": delivered.deliveries.get().files.get().pk,
        "tutor_id": delivered.tutor_id,
        "conversation_id": conversation.pk,
        "chat_file_id": conversation.messages.get().files.get().pk,
    }


def exercise(operation, user, mode: GenerationMode, path_parameters: dict) -> None:
    wanted = {name: value for name, value in path_parameters.items() if "{" + name + "}" in operation.path}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=wanted)

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        # A fresh token each time: one of the operations revokes the token it is called with.
        headers = {"Authorization": f"Bearer {issue_token(user=user)[1]}"}
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error], headers=headers)

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # nothing in this operation can be made invalid


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_causes_a_server_error(ada, bola, delivered, mode):
    # Valid requests aim at real objects so they reach the services; invalid ones may break the ids too.
    ids = real_ids(delivered) if mode == GenerationMode.POSITIVE else {}
    with one_connection():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        for user in (ada, bola):
            for result in schema.get_all_operations():
                exercise(result.ok(), user, mode, ids)
