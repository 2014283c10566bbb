"""API clients for the personas; the marketplace fixtures come from tests/conftest.py."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from api.services import issue_token

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
