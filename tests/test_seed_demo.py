"""seed_demo: fixed logins that work, believable people, and safe to run again."""

import io
import random
import re

import phonenumbers
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import StudentProfile, TutorProfile, User
from catalog.models import Subject
from demo import people
from demo.profiles import DEMO_PASSWORD, STAFF_EMAIL, STUDENT_EMAIL, TUTOR_EMAIL

DEMO = "@demo.experthive.ng"


class QuickPBKDF2(PBKDF2PasswordHasher):
    """A real (non-throwaway) hasher that is fast enough for tests."""

    iterations = 1


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def demo_users():
    return User.objects.filter(email__endswith=DEMO)


def snapshot() -> dict[str, tuple[str, str]]:
    return {user.email: (user.full_name, str(user.phone)) for user in demo_users()}


@pytest.mark.django_db
def test_fixed_logins_exist_and_are_printed():
    output = seed(students=0, tutors=0)

    assert User.objects.get(email=STUDENT_EMAIL).student_profile.level is not None
    tutor = User.objects.get(email=TUTOR_EMAIL).tutor_profile
    assert tutor.subjects.exists() and tutor.levels.exists() and tutor.headline
    staff = User.objects.get(email=STAFF_EMAIL)
    assert staff.is_staff and staff.is_superuser and staff.role == User.Role.STAFF
    assert "Log in at http://127.0.0.1:8000/login/ with:" in output
    for email in (STUDENT_EMAIL, TUTOR_EMAIL, STAFF_EMAIL):
        assert re.search(rf"{re.escape(email)}\s+{DEMO_PASSWORD}", output)


@pytest.mark.django_db
@pytest.mark.parametrize("email", [STUDENT_EMAIL, TUTOR_EMAIL, STAFF_EMAIL])
def test_fixed_logins_can_log_in_through_the_login_page(client, email):
    seed(students=0, tutors=0)

    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(email=email).pk


@pytest.mark.django_db
def test_every_account_gets_the_real_hash_not_the_throwaway_one(settings):
    settings.PASSWORD_HASHERS = ["tests.test_seed_demo.QuickPBKDF2"]

    seed(students=2, tutors=2)

    users = list(demo_users())
    assert len(users) == 7  # 3 fixed + 4 generated
    for user in users:
        assert user.password.startswith("pbkdf2_sha256$1$"), user.email
        assert user.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_counts_match_the_arguments():
    output = seed(students=3, tutors=5)

    assert "Created 3 students and 5 tutors (0 already existed)." in output
    assert User.objects.filter(role=User.Role.STUDENT).count() == 3 + 1  # + the fixed student login
    assert User.objects.filter(role=User.Role.TUTOR).count() == 5 + 1
    assert StudentProfile.objects.count() == 4
    assert TutorProfile.objects.count() == 6
    assert User.objects.filter(email="tutor005" + DEMO).exists()


@pytest.mark.django_db
def test_defaults_make_a_handful_of_people():
    output = seed()

    assert "Created 6 students and 8 tutors (0 already existed)." in output


@pytest.mark.django_db
def test_running_twice_creates_nothing_new():
    seed(students=4, tutors=4)
    before = snapshot()

    output = seed(students=4, tutors=4)

    assert "Created 0 students and 0 tutors (8 already existed)." in output
    assert snapshot() == before
    assert User.objects.count() == len(before)


@pytest.mark.django_db
def test_larger_counts_later_only_add_the_missing_people():
    seed(students=0, tutors=3)
    first = snapshot()

    output = seed(students=2, tutors=5)

    assert "Created 2 students and 2 tutors (3 already existed)." in output
    assert snapshot().items() >= first.items()  # the first three tutors are untouched


@pytest.mark.django_db
def test_same_seed_same_people_other_seed_other_people():
    seed(students=5, tutors=5)
    first = snapshot()
    demo_users().delete()

    seed(students=5, tutors=5)
    assert snapshot() == first

    demo_users().delete()
    seed(students=5, tutors=5, seed=7)
    assert snapshot() != first


@pytest.mark.django_db
def test_tutors_have_believable_profiles():
    seed(students=0, tutors=30)

    profiles = TutorProfile.objects.prefetch_related("subjects", "levels")
    assert profiles.count() == 31
    for profile in profiles:
        assert 1 <= len(profile.subjects.all()) <= 4, profile
        assert 1 <= len(profile.levels.all()) <= 4, profile
        assert 0 < len(profile.headline) <= 120
        assert profile.bio
        assert ", " in profile.qualifications.splitlines()[0]  # "B.Sc. Physics, University of Lagos"


@pytest.mark.django_db
def test_students_have_a_level_of_study():
    seed(students=20, tutors=0)

    assert not StudentProfile.objects.filter(level__isnull=True).exists()


@pytest.mark.django_db
def test_phones_are_valid_e164_and_mostly_nigerian():
    seed(students=40, tutors=40)

    phones = [str(user.phone) for user in demo_users().exclude(email=STAFF_EMAIL)]
    for phone in phones:
        assert re.fullmatch(r"\+[1-9]\d{7,14}", phone), phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
    nigerian = [phone for phone in phones if phone.startswith("+234")]
    assert len(nigerian) > len(phones) / 2
    assert len(nigerian) < len(phones)  # and some international ones


def test_every_phone_pattern_is_valid():
    # The command checks each number it makes; this catches a stale prefix before anyone runs it.
    numbers = [f"+234{prefix}1234567" for prefix in people.NIGERIAN_PREFIXES]
    numbers += [f"{prefix}123" for prefix in people.UK_FICTIONAL_PREFIXES]
    numbers += [f"+1{area}5550142" for area in people.NANP_AREA_CODES]
    rng = random.Random(1)
    numbers += [people.international_phone(rng) for _ in range(200)]
    numbers += [people.nigerian_phone(rng) for _ in range(200)]
    for number in numbers:
        assert people.checked_phone(number) == number


@pytest.mark.django_db
def test_a_large_run_works_and_shows_a_progress_bar():
    out, terminal = io.StringIO(), FakeTerminal()

    call_command("seed_demo", students=40, tutors=160, stdout=out, stderr=terminal)

    assert "Created 40 students and 160 tutors (0 already existed)." in out.getvalue()
    assert "200/200" in terminal.getvalue()
    assert User.objects.filter(role=User.Role.TUTOR).count() == 161


@pytest.mark.django_db
def test_no_progress_bar_when_not_on_a_terminal():
    err = io.StringIO()

    call_command("seed_demo", students=0, tutors=60, stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == ""


@pytest.mark.django_db
def test_negative_counts_are_refused():
    with pytest.raises(CommandError, match="negative"):
        seed(tutors=-1)


@pytest.mark.django_db
def test_an_empty_catalog_is_explained():
    Subject.objects.update(is_active=False)

    with pytest.raises(CommandError, match="migrate"):
        seed()
