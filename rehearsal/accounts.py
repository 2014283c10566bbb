"""The rehearsal's people, made the way an operator would with a one-off process (`heroku run`):
a student and a tutor with verified phones, so the site texts them through the SMS provider.
Run under the production environment: python -m rehearsal.accounts PASSWORD
"""

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "experthive.settings")
    django.setup()
    from django.utils import timezone

    from accounts import services
    from accounts.models import User
    from catalog.models import Level, Subject

    password = sys.argv[1]
    maths, level = Subject.objects.get(slug="mathematics"), Level.objects.get(slug="sss-3")
    ada = services.register_user(
        email="ada@rehearsal.test",
        full_name="Ada Okonkwo",
        password=password,
        role=User.Role.STUDENT,
        phone="+2348031234567",
    )
    services.update_student_profile(user=ada, full_name=ada.full_name, phone=ada.phone, level=level)
    bola = services.register_user(
        email="bola@rehearsal.test",
        full_name="Bola Adeyemi",
        password=password,
        role=User.Role.TUTOR,
        phone="+2348051234567",
    )
    services.update_tutor_profile(
        user=bola, full_name=bola.full_name, phone=bola.phone, headline="Maths teacher", bio="WAEC maths.",
        qualifications="B.Sc. Mathematics", subjects=[maths], levels=[level],
    )  # fmt: skip
    User.objects.filter(pk__in=[ada.pk, bola.pk]).update(phone_verified_at=timezone.now())
    print(json.dumps({"student": ada.email, "tutor": bola.email}))


if __name__ == "__main__":
    main()
