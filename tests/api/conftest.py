"""API clients for the personas, and the marketplace made through the services.

The marketplace fixtures mirror the ones the page tests use (same names, same data), so a test
reads the same whichever suite it is in."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from api.services import issue_token
from bidding import services as bid_services
from engagements import services as engagement_services
from questions import services as question_services

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
API = "/api/v1"


class ApiClient:
    """A client that speaks JSON to /api/v1 with a bearer token (or none)."""

    def __init__(self, user=None):
        self.client = Client()
        self.user = user
        self.key = issue_token(user=user, name="tests")[1] if user else None

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(API + path, params or {}, headers=self._headers())

    def send(self, method: str, path: str, body: dict | None = None):
        call = getattr(self.client, method)
        return call(API + path, json.dumps(body or {}), content_type="application/json", headers=self._headers())

    def post(self, path: str, body: dict | None = None):
        return self.send("post", path, body)

    def patch(self, path: str, body: dict | None = None):
        return self.send("patch", path, body)

    def delete(self, path: str):
        return self.client.delete(API + path, headers=self._headers())

    def upload(self, path: str, data: dict):
        return self.client.post(API + path, data, headers=self._headers())


def in_hours(hours: float):
    return timezone.now() + timedelta(hours=hours)


def pdf(name: str = "worksheet.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def anonymous(db):
    return ApiClient()


@pytest.fixture
def as_ada(ada):
    return ApiClient(ada)


@pytest.fixture
def as_bola(bola):
    return ApiClient(bola)


@pytest.fixture
def as_chen(chen):
    return ApiClient(chen)


@pytest.fixture
def as_dayo(dayo):
    return ApiClient(dayo)


@pytest.fixture
def as_staff(staff):
    return ApiClient(staff)


@pytest.fixture
def question(ada, maths, sss3):
    """Ada's open maths question, due in two days, budget ₦5,000, with a worksheet attached."""
    return question_services.post_question(
        student=ada,
        title="Solve a quadratic equation",
        body="How do I solve **x^2 - 5x + 6 = 0** by factorising?",
        subject=maths,
        level=sss3,
        deadline=in_hours(48),
        budget=500_000,
        currency="NGN",
        files=[pdf()],
    )


@pytest.fixture
def bola_bid(question, bola):
    return bid_services.place_bid(
        question=question, tutor=bola, amount=400_000, message="Bola's plan: factorise step by step.", delivery_hours=12
    )


@pytest.fixture
def chen_bid(question, chen):
    return bid_services.place_bid(
        question=question, tutor=chen, amount=300_000, message="Chen's plan: use the formula.", delivery_hours=24
    )


@pytest.fixture
def engagement(bola_bid, ada):
    """Ada accepted Bola's bid; payment not made yet."""
    return engagement_services.accept_bid(bid=bola_bid, by=ada)


@pytest.fixture
def funded(engagement, staff):
    return engagement_services.mark_funded(engagement=engagement, by=staff)


@pytest.fixture
def delivered(funded, bola):
    engagement_services.deliver_work(engagement=funded, by=bola, message="x = 2 or x = 3.", files=[pdf("answer.pdf")])
    funded.refresh_from_db()
    return funded


@pytest.fixture
def completed(delivered, ada):
    return engagement_services.approve_work(engagement=delivered, by=ada)
