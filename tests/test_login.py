import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_it_logs_in_by_email_whatever_its_case(client, ada):
    response = login(client, "ADA@example.com", PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == ada


def test_it_explains_a_wrong_password(client, ada):
    response = login(client, "ada@example.com", "not-my-password")

    assert "That email and password do not match an account" in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_repeated_wrong_passwords_lock_out_that_email_from_that_address(client, ada, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ada@example.com", "guess")

    response = login(client, "ada@example.com", PASSWORD)

    assert response.status_code == 429
    assert "Too many wrong passwords" in response.text
    assert "paused for 15 minutes" in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_a_lockout_does_not_lock_the_same_account_from_another_address(client, ada, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ada@example.com", "guess", ip="10.0.0.1")

    response = login(client, "ada@example.com", PASSWORD, ip="10.0.0.2")

    assert response.status_code == 302


def test_it_logs_out_with_a_post(client, ada):
    client.force_login(ada)

    client.post(reverse("logout"))

    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_it_changes_a_password(client, ada):
    client.force_login(ada)
    new = "a-brand-new-passphrase-7"

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )

    assert "Your password has been changed." in response.text
    ada.refresh_from_db()
    assert ada.check_password(new)


def test_it_refuses_a_password_change_with_the_wrong_old_password(client, ada):
    client.force_login(ada)
    new = "a-brand-new-passphrase-7"

    response = client.post(
        reverse("password_change"), {"old_password": "wrong", "new_password1": new, "new_password2": new}
    )

    assert "Your old password was entered incorrectly" in response.text
    ada.refresh_from_db()
    assert ada.check_password(PASSWORD)


def test_it_resets_a_forgotten_password_by_email(client, ada):
    client.post(reverse("password_reset"), {"email": "ada@example.com"})

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session key
    new = "a-brand-new-passphrase-7"
    response = client.post(form_url, {"new_password1": new, "new_password2": new}, follow=True)

    assert "Your password is changed" in response.text
    ada.refresh_from_db()
    assert ada.check_password(new)


def test_a_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client, ada):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert "Check your email" in response.text
    assert mail.outbox == []


def test_changing_the_emails_case_does_not_dodge_a_lockout(client, ada, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ada@example.com" if attempt % 2 else "ADA@EXAMPLE.COM", "guess")

    response = login(client, "Ada@Example.com", PASSWORD)

    assert response.status_code == 429
