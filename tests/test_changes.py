"""The base layer's change announcements: heard after the commit, never after a rollback."""

import pytest
from django.db import transaction

from core.changes import Change

pytestmark = pytest.mark.django_db(transaction=True)  # real commits and rollbacks, not the test's savepoints


class Rollback(Exception):
    pass


@pytest.fixture
def heard():
    return []


@pytest.fixture
def change(heard):
    change = Change("thing changed")
    change.subscribe(heard.append)
    return change


def test_listeners_hear_only_once_the_transaction_commits(change, heard):
    with transaction.atomic():
        change.announce(7)
        assert heard == []

    assert heard == [7]


def test_nothing_is_heard_when_the_transaction_rolls_back(change, heard):
    with pytest.raises(Rollback), transaction.atomic():
        change.announce(7)
        raise Rollback

    assert heard == []


def test_a_change_made_in_a_savepoint_that_rolls_back_is_not_heard(change, heard):
    with transaction.atomic():
        change.announce(1)
        with pytest.raises(Rollback), transaction.atomic():
            change.announce(2)
            raise Rollback

    assert heard == [1]


def test_outside_a_transaction_it_is_heard_at_once(change, heard):
    change.announce(3)

    assert heard == [3]


def test_a_failing_listener_neither_fails_the_write_nor_silences_the_others(heard):
    def broken(pk: int) -> None:
        raise RuntimeError("the queue is down")

    quiet = Change("other thing changed")
    quiet.subscribe(broken)
    quiet.subscribe(heard.append)

    with transaction.atomic():
        quiet.announce(5)

    assert heard == [5]


def test_subscribing_twice_delivers_once(change, heard):
    change.subscribe(heard.append)

    change.announce(4)

    assert heard == [4]
