"""Tokens for other clients, the session for the site's own pages, and the login lockout."""

import json

import pytest
from django.test import Client

from api.models import ApiToken
from api.services import hash_key
from tests.api.conftest import API, ApiClient, error_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def ask_for_token(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    body = json.dumps({"email": email, "password": password, "name": "phone"})
    return client.post(f"{API}/auth/token", body, content_type="application/json", REMOTE_ADDR=ip)


def test_an_email_and_password_give_a_token_that_works(client, ada):
    response = ask_for_token(client, "ADA@example.com", PASSWORD)

    assert response.status_code == 201
    key = response.json()["token"]
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["role"] == "student"


def test_only_a_hash_of_the_token_is_stored(client, ada):
    key = ask_for_token(client, "ada@example.com", PASSWORD).json()["token"]

    token = ApiToken.objects.get(user=ada)
    assert token.key_hash == hash_key(key)
    assert key not in token.key_hash
    assert token.name == "phone"


def test_using_a_token_records_when(as_ada, ada):
    as_ada.get("/me")

    assert ApiToken.objects.get(user=ada).last_used_at is not None


def test_a_wrong_password_is_a_401_and_gives_no_token(client, ada):
    response = ask_for_token(client, "ada@example.com", "not-my-password")

    assert response.status_code == 401
    assert error_code(response) == "wrong_credentials"
    assert not ApiToken.objects.exists()


def test_an_inactive_account_gets_no_token(client, ada):
    ada.is_active = False
    ada.save()

    assert ask_for_token(client, "ada@example.com", PASSWORD).status_code == 401


def test_repeated_wrong_passwords_lock_the_token_endpoint_with_a_429(client, ada, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ask_for_token(client, "ada@example.com", "guess")

    response = ask_for_token(client, "ada@example.com", PASSWORD)

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert error_code(response) == "locked_out"
    assert not ApiToken.objects.exists()


def test_wrong_passwords_through_the_api_also_lock_the_login_page(client, ada, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ask_for_token(client, "ada@example.com", "guess")

    response = client.post("/login/", {"username": "ada@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 429


def test_a_revoked_token_stops_working(as_ada):
    assert as_ada.delete("/auth/token").status_code == 204

    response = as_ada.get("/me")

    assert response.status_code == 401
    assert error_code(response) == "unauthenticated"
    assert not ApiToken.objects.exists()


def test_revoking_one_token_keeps_the_others(ada):
    phone, laptop = ApiClient(ada), ApiClient(ada)

    phone.delete("/auth/token")

    assert laptop.get("/me").status_code == 200


def test_no_credentials_is_a_401_with_the_error_shape(anonymous):
    response = anonymous.get("/me")

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_a_made_up_token_is_a_401(client, ada):
    response = client.get(f"{API}/me", headers={"Authorization": "Bearer eht_not-a-real-key"})

    assert response.status_code == 401


def test_the_site_session_works_for_reads(client, ada):
    client.force_login(ada)

    assert client.get(f"{API}/me").json()["id"] == ada.pk


def test_a_session_write_without_the_csrf_token_is_refused(ada, maths, sss3):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)

    response = client.post(f"{API}/questions/1/cancel", "{}", content_type="application/json")

    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"


def test_a_session_write_with_the_csrf_token_goes_through(ada, question):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    client.get("/questions/new/")  # the page sets the CSRF cookie, as a real visit would

    response = client.post(
        f"{API}/questions/{question.pk}/cancel",
        "{}",
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
