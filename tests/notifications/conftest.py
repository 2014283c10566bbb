import pytest
from django.utils import timezone

from notifications.sms.termii import TermiiBackend
from tests.notifications.helpers import NOON, TERMII_OK, Clock, Sandbox, use_sandbox, verify_phone


@pytest.fixture
def clock(monkeypatch):
    """Frozen at noon in Lagos on a weekday; `clock.advance(minutes=10)` moves it."""
    frozen = Clock(NOON)
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run the code in a block that commits, then its after-commit work (task enqueues) runs."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def termii(settings, monkeypatch):
    """SMS go through the real Termii adapter to a sandbox that answers like Termii."""
    settings.TERMII_API_KEY = "test-key"
    return use_sandbox(monkeypatch, settings, TermiiBackend, Sandbox([(200, TERMII_OK)]))


@pytest.fixture
def verified_bola(bola):
    verify_phone(bola)
    return bola


@pytest.fixture
def verified_ada(ada):
    verify_phone(ada)
    return ada
