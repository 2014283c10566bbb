"""The OpenAPI schema and the browsable docs, which must work under the site's strict CSP."""

import json
import os
import re
from pathlib import Path

import pytest

from tests.api.conftest import API

SCHEMA = f"{API}/openapi.json"
DOCS = f"{API}/docs"


@pytest.mark.django_db
def test_the_openapi_schema_is_served_as_valid_json(client):
    response = client.get(SCHEMA)

    schema = json.loads(response.content)
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/token", "/api/v1/questions", "/api/v1/bids/{bid_id}/accept"} <= set(schema["paths"])
    assert {
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/messages",
        "/api/v1/conversations/{conversation_id}/read",
        "/api/v1/notifications",
        "/api/v1/notifications/{notification_id}/read",
        "/api/v1/notifications/read",
    } <= set(schema["paths"])
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


@pytest.mark.django_db
def test_every_operation_has_a_short_unique_id(client):
    schema = client.get(SCHEMA).json()

    ids = [operation["operationId"] for path in schema["paths"].values() for operation in path.values()]
    assert len(ids) == len(set(ids))
    assert "place_bid" in ids


@pytest.mark.django_db
def test_the_docs_page_uses_only_local_scripts_under_the_strict_policy(client):
    response = client.get(DOCS)

    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>", response.text)
    runnable = [attrs for attrs in scripts if "application/json" not in attrs]
    assert runnable and all('src="/static/' in attrs for attrs in runnable)
    assert "cdn" not in response.text.lower()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_renders_the_api_in_a_real_browser_without_csp_violations(desktop_page):
    violations = []
    desktop_page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )

    desktop_page.goto(DOCS)
    desktop_page.wait_for_selector(".opblock-summary", timeout=15_000)

    desktop_page.locator(".opblock-summary", has_text="Place Bid").first.click()
    desktop_page.wait_for_selector(".opblock-body .parameters", timeout=5_000)
    if folder := os.environ.get("SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        desktop_page.screenshot(path=f"{folder}/api-docs-1280.png", full_page=False)
    assert desktop_page.locator(".swagger-ui .title").first.inner_text().startswith("Expert Hive Tutors API")
    assert violations == []
