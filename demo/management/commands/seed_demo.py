"""manage.py seed_demo: demo students and tutors, plus well-known logins to try the site with.

Safe to run again: it only adds who is missing. The people and their profiles are made in demo/.
"""

import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from tqdm import tqdm

from accounts.models import User
from catalog.models import Level
from demo.people import make_persona
from demo.profiles import (
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    FIXED_STAFF_NAME,
    FIXED_STUDENT,
    FIXED_TUTOR,
    STAFF_EMAIL,
    STUDENT_EMAIL,
    THROWAWAY_HASHERS,
    TUTOR_EMAIL,
    Catalog,
    create_student,
    create_tutor,
    exists,
    fixed_tutor_details,
    student_institution,
    student_level,
    tutor_details,
)

PROGRESS_MIN = 50  # smaller runs finish before a progress bar would tell anyone anything


@dataclass(frozen=True)
class Job:
    role: str
    index: int

    @property
    def email(self) -> str:
        return f"{self.role}{self.index:03d}@{DEMO_DOMAIN}"


class BarOutput:
    """Lets tqdm draw on a command's stderr, which would otherwise end every write with a newline and paint it red."""

    def __init__(self, out):
        self._out = out

    def write(self, text: str) -> None:
        self._out.write(text, style_func=lambda plain: plain, ending="")

    def __getattr__(self, name):  # flush, fileno (for the terminal width)...
        return getattr(self._out, name)


class Command(BaseCommand):
    help = (
        "Create demo students and tutors (in addition to fixed student@, tutor@ and staff@ logins). "
        f"All share the password {DEMO_PASSWORD}. Running it again only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=6, help="Generated students (default 6).")
        parser.add_argument("--tutors", type=int, default=8, help="Generated tutors (default 8).")
        parser.add_argument("--seed", type=int, default=2026, help="Same seed, same people (default 2026).")

    def handle(self, *args, students: int, tutors: int, seed: int, **options):
        if students < 0 or tutors < 0:
            raise CommandError("--students and --tutors cannot be negative.")
        catalog = Catalog.load()
        password_hash = make_password(DEMO_PASSWORD)  # the one slow hash, shared by every account
        if not exists(STAFF_EMAIL):
            User.objects.create_superuser(STAFF_EMAIL, DEMO_PASSWORD, full_name=FIXED_STAFF_NAME)
        with override_settings(PASSWORD_HASHERS=THROWAWAY_HASHERS):
            self.create_fixed_logins(catalog, password_hash)
            jobs = [Job(User.Role.STUDENT, i) for i in range(1, students + 1)]
            jobs += [Job(User.Role.TUTOR, i) for i in range(1, tutors + 1)]
            existing = set(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").values_list("email", flat=True))
            todo = [job for job in jobs if job.email not in existing]
            for job in self.progress(todo):
                self.create(job, seed, catalog, password_hash)
        self.report(todo, already=len(jobs) - len(todo))

    def create_fixed_logins(self, catalog: Catalog, password_hash: str) -> None:
        if not exists(STUDENT_EMAIL):
            level = (catalog.pick_levels(["sss-3"]) or catalog.levels_of(Level.System.NIGERIAN))[0]
            create_student(
                email=STUDENT_EMAIL,
                persona=FIXED_STUDENT,
                level=level,
                institution="Queen's College, Yaba",
                password_hash=password_hash,
            )
        if not exists(TUTOR_EMAIL):
            details = fixed_tutor_details(catalog)
            create_tutor(email=TUTOR_EMAIL, persona=FIXED_TUTOR, details=details, password_hash=password_hash)

    def create(self, job: Job, seed: int, catalog: Catalog, password_hash: str) -> User:
        # One generator per person, so tutor007 is the same person whatever the counts: a second run with
        # bigger counts adds people without reshuffling the ones already there.
        rng = random.Random(f"{seed}:{job.role}:{job.index}")
        persona = make_persona(rng)
        if job.role == User.Role.TUTOR:
            details = tutor_details(rng, persona, catalog)
            return create_tutor(email=job.email, persona=persona, details=details, password_hash=password_hash)
        level = student_level(rng, persona, catalog)
        institution = student_institution(rng, persona, level)
        return create_student(
            email=job.email, persona=persona, level=level, institution=institution, password_hash=password_hash
        )

    def progress(self, jobs: list[Job]):
        show = len(jobs) >= PROGRESS_MIN and self.stderr.isatty()
        return tqdm(jobs, desc="Creating demo accounts", unit="account", file=BarOutput(self.stderr), disable=not show)

    def report(self, created: list[Job], already: int) -> None:
        students = sum(job.role == User.Role.STUDENT for job in created)
        tutors = len(created) - students
        self.stdout.write(f"Created {students} students and {tutors} tutors ({already} already existed).")
        self.stdout.write(f"\nLog in at {settings.SITE_URL}/login/ with:")
        for role, email in [("student", STUDENT_EMAIL), ("tutor", TUTOR_EMAIL), ("staff", STAFF_EMAIL)]:
            self.stdout.write(f"  {role:<8} {email:<28} {DEMO_PASSWORD}")
        self.stdout.write(f"Generated accounts (student001@{DEMO_DOMAIN}, tutor001@...) use the same password.")
