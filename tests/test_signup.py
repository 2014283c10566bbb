import pytest
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "full_name": "Ngozi Eze",
        "email": "ngozi@example.com",
        "phone": "0803 123 9999",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return {**data, **overrides}


def test_it_signs_up_a_student_with_a_level_and_logs_them_in(client, sss3):
    response = client.post(reverse("signup_student"), signup_data(level=sss3.pk), follow=True)

    user = User.objects.get(email="ngozi@example.com")
    assert user.role == User.Role.STUDENT
    assert user.student_profile.level == sss3
    assert response.context["user"] == user
    assert "Welcome to Expert Hive, Ngozi!" in response.text


def test_it_stores_a_nigerian_local_number_in_e164(client):
    client.post(reverse("signup_student"), signup_data(phone="0803 123 9999"))

    assert User.objects.get(email="ngozi@example.com").phone == "+2348031239999"


def test_it_signs_up_a_tutor_and_sends_them_to_add_subjects(client):
    response = client.post(reverse("signup_tutor"), signup_data(), follow=True)

    user = User.objects.get(email="ngozi@example.com")
    assert user.role == User.Role.TUTOR
    assert user.tutor_profile is not None
    assert response.redirect_chain[-1][0] == reverse("profile")
    assert "Add your subjects and levels" in response.text


def test_it_refuses_a_taken_email_whatever_its_case_and_keeps_the_input(client, ada):
    response = client.post(reverse("signup_student"), signup_data(email="ADA@Example.com"))

    assert response.status_code == 400
    assert "An account with this email already exists" in response.text
    assert 'value="Ngozi Eze"' in response.text
    assert User.objects.count() == 1


def test_it_refuses_a_malformed_phone_number(client):
    response = client.post(reverse("signup_student"), signup_data(phone="12345"))

    assert response.status_code == 400
    assert "Enter a valid mobile number" in response.text
    assert 'value="12345"' in response.text
    assert not User.objects.exists()


def test_it_refuses_a_weak_password(client):
    response = client.post(reverse("signup_tutor"), signup_data(password1="password", password2="password"))

    assert response.status_code == 400
    assert "This password is too common." in response.text
    assert not User.objects.exists()


def test_it_refuses_a_password_similar_to_the_email(client):
    response = client.post(
        reverse("signup_student"),
        signup_data(email="chukwuemeka.obi@example.com", password1="chukwuemeka.obi", password2="chukwuemeka.obi"),
    )

    assert response.status_code == 400
    assert "too similar" in response.text
    assert not User.objects.exists()


def test_it_refuses_mismatched_passwords(client):
    response = client.post(reverse("signup_student"), signup_data(password2="another-long-password-1"))

    assert "The two passwords do not match." in response.text
    assert not User.objects.exists()


def test_it_names_each_missing_field(client):
    response = client.post(reverse("signup_student"), {})

    assert response.status_code == 400
    for field in ["full_name", "email", "phone", "password1", "password2"]:
        assert response.context["form"].errors[field] == ["This field is required."]
    assert not User.objects.exists()


def test_a_logged_in_user_is_sent_home_from_signup(client, ada):
    client.force_login(ada)

    response = client.get(reverse("signup_student"))

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_the_signup_page_offers_both_roles(client):
    response = client.get(reverse("signup"))

    assert "Sign up as a student" in response.text
    assert "Sign up as a tutor" in response.text
