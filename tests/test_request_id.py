"""Each request has one id, from the router (Heroku's X-Request-ID) or made here: it comes back on
the response and is on every log line the request writes, so an operator can follow one request
from the router's log through the site's."""

import io
import logging
import re

import pytest


@pytest.mark.django_db
def test_the_routers_request_id_comes_back_on_the_response(client):
    response = client.get("/healthz", headers={"X-Request-ID": "4f1c2b9e-7d0a-4e3b-9c55-0a1b2c3d4e5f"})

    assert response["X-Request-ID"] == "4f1c2b9e-7d0a-4e3b-9c55-0a1b2c3d4e5f"


@pytest.mark.django_db
def test_a_request_without_an_id_gets_one_of_its_own(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_an_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc\nERROR payments forged line"})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.fixture
def site_log():
    """What the site's console handler (the LOGGING setting, format and filter) writes."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_every_log_line_of_a_request_carries_its_id(client, settings, tmp_path, site_log):
    settings.MEDIA_ROOT = tmp_path / "not-a-folder"
    settings.MEDIA_ROOT.write_text("")  # the readiness check logs the broken storage, Django logs the 503

    client.get("/readyz", headers={"X-Request-ID": "router-id-0001"})
    logging.getLogger("experthive").warning("After the request")

    lines = site_log.getvalue().splitlines()
    assert any("web.readiness request_id=router-id-0001 Not ready: storage failed" in line for line in lines)
    assert any("django.request request_id=router-id-0001 Service Unavailable: /readyz" in line for line in lines)
    assert lines[-1].endswith("WARNING experthive request_id=- After the request")


async def test_the_id_travels_through_the_asgi_path_too(async_client, site_log):
    response = await async_client.get("/no-such-page/", headers={"X-Request-ID": "router-id-0002"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "router-id-0002"
    assert "django.request request_id=router-id-0002 Not Found: /no-such-page/" in site_log.getvalue()
