import pytest
from django.urls import reverse

from accounts.models import User
from catalog.models import Level

pytestmark = pytest.mark.django_db


def tutor_form(maths, sss3, **overrides):
    data = {
        "full_name": "Bola Adeyemi",
        "phone": "+2348051234567",
        "headline": "Further maths specialist",
        "bio": "Ten years of WAEC classes.",
        "qualifications": "M.Sc. Mathematics",
        "subjects": [maths.pk],
        "levels": [sss3.pk],
    }
    return {**data, **overrides}


def test_a_tutor_edits_subjects_levels_bio_and_qualifications(client, bola, maths, sss3):
    client.force_login(bola)

    response = client.post(reverse("profile"), tutor_form(maths, sss3), follow=True)

    assert "Your profile is saved." in response.text
    profile = bola.tutor_profile
    profile.refresh_from_db()
    assert profile.headline == "Further maths specialist"
    assert list(profile.subjects.all()) == [maths]
    assert list(profile.levels.all()) == [sss3]


def test_a_tutor_must_keep_at_least_one_subject_and_nothing_changes(client, bola, maths, sss3):
    client.force_login(bola)

    response = client.post(reverse("profile"), tutor_form(maths, sss3, subjects=[], headline="Changed"))

    assert response.status_code == 400
    assert "Choose at least one subject" in response.text
    assert 'value="Changed"' in response.text  # the user's input is kept
    bola.tutor_profile.refresh_from_db()
    assert bola.tutor_profile.headline == "Maths and physics teacher, 8 years"
    assert bola.tutor_profile.subjects.count() == 2


def test_a_student_edits_their_level_of_study(client, ada):
    level = Level.objects.get(slug="200-level")
    client.force_login(ada)

    client.post(
        reverse("profile"),
        {"full_name": "Ada Okonkwo", "phone": "08031234567", "level": level.pk, "institution": "UNILAG"},
    )

    ada.student_profile.refresh_from_db()
    assert ada.student_profile.level == level
    assert ada.student_profile.institution == "UNILAG"


def test_the_profile_form_shows_the_current_values(client, bola):
    client.force_login(bola)

    response = client.get(reverse("profile"))

    assert 'value="Maths and physics teacher, 8 years"' in response.text
    assert "B.Sc. Mathematics, University of Ibadan" in response.text


def test_changing_the_phone_number_clears_its_verification(client, ada):
    ada.phone_verified_at = ada.date_joined
    ada.save()
    client.force_login(ada)

    client.post(reverse("profile"), {"full_name": "Ada Okonkwo", "phone": "+2348039999999"})

    ada.refresh_from_db()
    assert ada.phone == "+2348039999999"
    assert ada.phone_verified_at is None


def test_a_bad_phone_number_changes_nothing(client, ada):
    client.force_login(ada)

    response = client.post(reverse("profile"), {"full_name": "Someone Else", "phone": "not a phone"})

    assert response.status_code == 400
    assert "Enter a valid mobile number" in response.text
    ada.refresh_from_db()
    assert ada.full_name == "Ada Okonkwo"


def test_the_profile_page_needs_a_login(client):
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_staff_have_no_profile_page(client, staff):
    client.force_login(staff)

    assert client.get(reverse("profile")).status_code == 404


def test_anyone_sees_a_tutors_public_profile(client, bola):
    response = client.get(reverse("tutor_profile", args=[bola.pk]))

    assert "Bola Adeyemi" in response.text
    assert "Maths and physics teacher, 8 years" in response.text
    assert "Mathematics" in response.text


def test_a_public_profile_never_shows_contact_details(client, bola):
    response = client.get(reverse("tutor_profile", args=[bola.pk]))

    assert "bola@example.com" not in response.text
    assert "8051234567" not in response.text


def test_a_students_profile_is_not_public(client, ada, dayo):
    client.force_login(dayo)

    assert client.get(reverse("tutor_profile", args=[ada.pk])).status_code == 404


def test_a_deactivated_tutors_profile_is_gone(client, bola):
    bola.is_active = False
    bola.save()

    assert client.get(reverse("tutor_profile", args=[bola.pk])).status_code == 404


def test_the_tutor_list_filters_by_subject(client, bola, chen, physics):
    response = client.get(reverse("tutor_list"), {"subject": physics.slug})

    assert "Bola Adeyemi" in response.text
    assert "Chen Wei" not in response.text


def test_the_tutor_list_makes_the_same_number_of_queries_for_1_and_many_tutors(
    client, bola, maths, django_assert_num_queries
):
    from tests.conftest import make_user

    client.get(reverse("tutor_list"))  # warm up: sessions, content types
    with django_assert_num_queries(3) as one:
        client.get(reverse("tutor_list"))
    for n in range(12):
        make_user(User.Role.TUTOR, f"t{n}@example.com", f"Tutor {n}", "").tutor_profile.subjects.add(maths)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("tutor_list"))
    assert response.text.count('class="card"') == 13
