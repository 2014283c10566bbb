import re

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from experthive.asgi import application

pytestmark = pytest.mark.django_db


def test_the_home_page_says_what_expert_hive_is_with_both_calls_to_action(client):
    response = client.get("/")

    assert "Get unstuck with an expert tutor" in response.text
    assert f'href="{reverse("signup_student")}">Post a question' in response.text
    assert f'href="{reverse("signup_tutor")}">Become a tutor' in response.text


def test_the_navigation_changes_with_the_role(client, ada, bola, staff):
    assert "Log in" in client.get("/").text
    client.force_login(bola)
    assert "Public page" in client.get("/").text
    client.force_login(ada)
    page = client.get("/").text
    assert "My profile" in page and "Public page" not in page and "Log out" in page
    client.force_login(staff)
    assert "Staff admin" in client.get("/").text


def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We can't find that page" in response.text


def test_a_server_error_shows_a_friendly_500(client, settings):
    settings.ROOT_URLCONF = "tests.broken_urls"
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


def test_a_form_posted_without_its_csrf_token_is_refused_kindly(ada):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "ada@example.com", "password": "x"})

    assert response.status_code == 403
    assert "That form expired" in response.text


@pytest.mark.parametrize("url", ["/", "/login/", "/signup/student/", "/signup/tutor/", "/tutors/", "/password-reset/"])
def test_pages_send_a_strict_content_security_policy_and_have_no_inline_script(client, url):
    response = client.get(url)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert scripts and all("src=" in attrs for attrs in scripts)
    assert "style=" not in response.text


def test_every_form_carries_a_csrf_token(client):
    for url in ["/login/", "/signup/student/", "/password-reset/"]:
        assert "csrfmiddlewaretoken" in client.get(url).text


def test_the_health_check_answers_ok(client):
    assert client.get("/healthz").text == "ok"


def test_staff_manage_users_and_profiles_in_the_admin(client, staff, bola):
    client.force_login(staff)

    listing = client.get("/admin/accounts/user/?role=tutor")
    change = client.get(f"/admin/accounts/user/{bola.pk}/change/")

    assert "bola@example.com" in listing.text
    assert "Tutor profile" in change.text
    assert "Maths and physics teacher, 8 years" in change.text


def test_staff_deactivate_an_account_but_not_their_own(client, staff, bola):
    client.force_login(staff)

    client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [bola.pk, staff.pk]},
    )

    bola.refresh_from_db()
    staff.refresh_from_db()
    assert not bola.is_active
    assert staff.is_active


def test_the_admin_is_closed_to_students_and_tutors(client, ada):
    client.force_login(ada)

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert "/admin/login/" in response.url


async def test_the_websocket_route_answers_a_ping():
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected

    await communicator.send_json_to({"type": "ping"})

    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_the_websocket_refuses_a_foreign_origin():
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=[(b"origin", b"https://evil.example")])

    connected, _ = await communicator.connect()

    assert not connected
