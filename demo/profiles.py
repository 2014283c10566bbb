"""Demo accounts: students and tutors with believable profiles, plus the fixed logins to try the site with.

Every student and tutor is created through accounts.services, so demo data obeys the same rules as a
real sign-up (normalised email, password validation, a profile per role).
"""

import random
from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db import transaction

from accounts import services
from accounts.models import User
from catalog.models import Level, Subject
from demo.people import Persona

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - public on purpose: printed for anyone trying the demo
DEMO_DOMAIN = "demo.experthive.ng"
STUDENT_EMAIL = f"student@{DEMO_DOMAIN}"
TUTOR_EMAIL = f"tutor@{DEMO_DOMAIN}"
STAFF_EMAIL = f"staff@{DEMO_DOMAIN}"

# register_user hashes the password it is given, and the real hasher (PBKDF2, 1.5M iterations) takes
# about half a second a time: minutes for 500 tutors. So register_user hashes with this throwaway one,
# and the real hash, computed once, replaces it in the same transaction.
THROWAWAY_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The catalog ----------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """Active subjects and levels, read once: a thousand accounts need not ask the database a thousand times."""

    subjects: dict[str, Subject]  # by slug
    levels: dict[str, list[Level]]  # by system, in teaching order

    @classmethod
    def load(cls) -> "Catalog":
        levels: dict[str, list[Level]] = {}
        for level in Level.objects.active():  # ordered by system, then position
            levels.setdefault(level.system, []).append(level)
        subjects = {subject.slug: subject for subject in Subject.objects.active()}
        if not subjects or not levels:
            raise CommandError("The catalog has no active subjects or levels. Run `python manage.py migrate` first.")
        return cls(subjects, levels)

    def levels_of(self, system: str) -> list[Level]:
        # Staff may have switched off a whole system; any level is better than none.
        return self.levels.get(system) or [level for levels in self.levels.values() for level in levels]

    def pick_subjects(self, slugs: list[str]) -> list[Subject]:
        return [self.subjects[slug] for slug in slugs if slug in self.subjects]  # skip any staff removed

    def pick_levels(self, slugs: list[str]) -> list[Level]:
        by_slug = {level.slug: level for levels in self.levels.values() for level in levels}
        return [by_slug[slug] for slug in slugs if slug in by_slug]  # skip any staff removed


# --- Students -----------------------------------------------------------------------

UNIVERSITY_LEVELS = {"100-level", "200-level", "300-level", "400-level", "500-level", "postgraduate"}
UNIVERSITY_LEVELS |= {"undergraduate", "graduate"}
NIGERIAN_UNIVERSITIES = [
    "University of Lagos",
    "University of Ibadan",
    "Obafemi Awolowo University",
    "University of Nigeria, Nsukka",
    "Ahmadu Bello University, Zaria",
    "University of Benin",
    "Covenant University",
    "Lagos State University",
    "Bayero University Kano",
    "University of Ilorin",
    "Federal University of Technology, Akure",
    "University of Port Harcourt",
]
INTERNATIONAL_UNIVERSITIES = [
    "University of Manchester",
    "University of Leeds",
    "King's College London",
    "University of Birmingham",
    "University of Toronto",
    "University of Ghana",
    "Boston University",
    "University of Texas at Austin",
]
NIGERIAN_SCHOOLS = [
    "King's College, Lagos",
    "Queen's College, Yaba",
    "Federal Government College, Enugu",
    "Loyola Jesuit College, Abuja",
    "Government Secondary School, Kano",
    "Corona Secondary School, Agbara",
    "Christ the King College, Onitsha",
    "Greensprings School, Lekki",
]
INTERNATIONAL_SCHOOLS = [
    "Harris Academy, Peckham",
    "Manchester Grammar School",
    "Lincoln High School",
    "Brooklyn Technical High School",
]


def student_institution(rng: random.Random, persona: Persona, level: Level) -> str:
    if level.system == Level.System.PROFESSIONAL or level.slug == "primary-school":
        return ""  # professional candidates study on their own; primary pupils rarely fill it in
    if level.slug in UNIVERSITY_LEVELS:
        return rng.choice(INTERNATIONAL_UNIVERSITIES if persona.abroad else NIGERIAN_UNIVERSITIES)
    if rng.random() < 0.3:
        return ""  # the field is optional, and plenty of people skip it
    return rng.choice(INTERNATIONAL_SCHOOLS if persona.abroad else NIGERIAN_SCHOOLS)


def student_level(rng: random.Random, persona: Persona, catalog: Catalog) -> Level:
    if persona.abroad:
        system = Level.System.INTERNATIONAL
    else:
        system = Level.System.PROFESSIONAL if rng.random() < 0.1 else Level.System.NIGERIAN
    return rng.choice(catalog.levels_of(system))


def create_student(*, email: str, persona: Persona, level: Level, institution: str, password_hash: str) -> User:
    with transaction.atomic():
        user = services.register_user(
            email=email,
            full_name=persona.full_name,
            password=DEMO_PASSWORD,
            role=User.Role.STUDENT,
            phone=persona.phone,
            level=level,
        )
        # register_user takes no institution; the profile form does.
        services.update_student_profile(
            user=user, full_name=user.full_name, phone=user.phone, level=level, institution=institution
        )
        set_password_hash(user, password_hash)
    return user


# --- Tutors ---------------------------------------------------------------------------

# Subjects one tutor plausibly teaches together: the first is the main one, the rest its neighbours.
SUBJECT_GROUPS = [
    ["mathematics", "further-mathematics", "physics", "statistics"],
    ["mathematics", "further-mathematics", "computer-science", "statistics"],
    ["physics", "mathematics", "chemistry", "engineering"],
    ["chemistry", "biology", "physics", "agricultural-science"],
    ["biology", "chemistry", "medicine-and-health-sciences", "agricultural-science"],
    ["economics", "financial-accounting", "commerce", "business-and-management"],
    ["financial-accounting", "economics", "commerce", "business-and-management"],
    ["english-language", "literature-in-english", "civic-education", "government"],
    ["government", "literature-in-english", "civic-education", "geography"],
    ["law", "government", "english-language"],
    ["computer-science", "mathematics", "statistics"],
    ["yoruba", "english-language"],
    ["igbo", "english-language"],
    ["hausa", "english-language"],
    ["french", "english-language"],
]
# Subjects taught only after secondary school.
UNIVERSITY_SUBJECTS = {"law", "medicine-and-health-sciences", "engineering"}
# Subjects whose tutors also coach professional exams (ICAN, ACCA, Law School...).
PROFESSIONAL_SUBJECTS = {"financial-accounting", "economics", "business-and-management", "law"}
DEGREES = {
    "law": "LL.B. Law",
    "medicine-and-health-sciences": "MBBS",
    "english-language": "B.A. English",
    "literature-in-english": "B.A. English Literature",
    "french": "B.A. French",
    "yoruba": "B.A. Yoruba",
    "igbo": "B.A. Igbo",
    "hausa": "B.A. Hausa",
    "engineering": "B.Eng. Electrical Engineering",
    "government": "B.Sc. Political Science",
    "civic-education": "B.Sc. Political Science",
    "financial-accounting": "B.Sc. Accounting",
    "commerce": "B.Sc. Business Administration",
    "business-and-management": "B.Sc. Business Administration",
    "agricultural-science": "B.Agric. Agronomy",
}
NIGERIAN_CREDENTIALS = [
    "TRCN-registered teacher",
    "PGDE, National Teachers' Institute",
    "WAEC examiner",
    "NECO examiner",
    "Taught at a federal government college",
]
INTERNATIONAL_CREDENTIALS = [
    "PGCE with Qualified Teacher Status",
    "Exam marker for Cambridge International",
    "DBS checked",
]
NIGERIAN_CITIES = ["Lagos", "Ibadan", "Abuja", "Port Harcourt", "Enugu", "Kano", "Benin City", "Ilorin", "Abeokuta"]
FOREIGN_CITIES = ["London", "Manchester", "Birmingham", "Toronto", "Houston", "New York", "Atlanta"]
TEACHING_STYLES = [
    "I break every topic into small steps and use past questions to build confidence.",
    "I explain with everyday examples first, then move to the formal method.",
    "Lessons are one-to-one, online or in person, and I send a short summary after each one.",
    "I am patient with beginners and push strong students towards top grades.",
    "I mark homework within 24 hours, so you always know where you stand.",
    "Many of my students moved from a fail to a credit or distinction in one term.",
]
CLOSINGS = [
    "Post your question and I will reply with a clear plan.",
    "Every bid I make comes with a worked example, so you can see how I teach.",
    "Parents get a short progress note every fortnight.",
]


@dataclass(frozen=True)
class TutorDetails:
    headline: str
    bio: str
    qualifications: str
    subjects: list[Subject]
    levels: list[Level]


def tutor_subjects(rng: random.Random, catalog: Catalog) -> list[Subject]:
    groups = [group for group in SUBJECT_GROUPS if group[0] in catalog.subjects]
    if not groups:  # staff replaced the whole catalog; pick from what there is
        return rng.sample(list(catalog.subjects.values()), rng.randint(1, min(4, len(catalog.subjects))))
    main, *neighbours = catalog.pick_subjects(rng.choice(groups))
    return [main, *rng.sample(neighbours, rng.randint(0, min(3, len(neighbours))))]


def tutor_levels(rng: random.Random, persona: Persona, main: Subject, catalog: Catalog) -> list[Level]:
    if persona.abroad:
        system = Level.System.INTERNATIONAL
    elif main.slug in PROFESSIONAL_SUBJECTS and rng.random() < 0.4:
        system = Level.System.PROFESSIONAL
    else:
        system = Level.System.NIGERIAN
    levels = catalog.levels_of(system)
    if main.slug in UNIVERSITY_SUBJECTS:  # no law or medicine in JSS
        levels = [level for level in levels if level.slug in UNIVERSITY_LEVELS] or levels
    # A run of neighbouring levels ("SSS 2 to JAMB"), as tutors really advertise, not a random scatter.
    count = rng.randint(1, min(4, len(levels)))
    start = rng.randrange(len(levels) - count + 1)
    return levels[start : start + count]


def tutor_headline(rng: random.Random, subjects: list[Subject], levels: list[Level], years: int) -> str:
    main, span = subjects[0].name, levels[0].name if len(levels) == 1 else f"{levels[0].name} to {levels[-1].name}"
    options = [f"{main} tutor, {years} years", f"{main} teacher for {span}", f"Patient {main} tutor: {span}"]
    if years >= 10:
        options.append(f"Former head of {main}, {years} years' experience")
    if len(subjects) > 1:
        options.append(f"{main} and {subjects[1].name} made simple")
    return rng.choice(options)[:120]


def tutor_bio(rng: random.Random, persona: Persona, subjects: list[Subject], years: int) -> str:
    names = [subject.name for subject in subjects]
    taught = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    city = rng.choice(FOREIGN_CITIES if persona.abroad else NIGERIAN_CITIES)
    sentences = [f"I have taught {taught} in {city} for {years} years.", *rng.sample(TEACHING_STYLES, 2)]
    return " ".join([*sentences, rng.choice(CLOSINGS)])


def tutor_qualifications(rng: random.Random, persona: Persona, main: Subject) -> str:
    universities = INTERNATIONAL_UNIVERSITIES if persona.abroad else NIGERIAN_UNIVERSITIES
    degree = DEGREES.get(main.slug, f"B.Sc. {main.name}")
    lines = [f"{degree}, {rng.choice(universities)}"]
    if degree.startswith("B.Sc.") and rng.random() < 0.3:
        lines.append(f"{degree.replace('B.Sc.', 'M.Sc.')}, {rng.choice(universities)}")
    credentials = INTERNATIONAL_CREDENTIALS if persona.abroad else NIGERIAN_CREDENTIALS
    lines += rng.sample(credentials, rng.randint(0, 2))
    return "\n".join(lines)


def tutor_details(rng: random.Random, persona: Persona, catalog: Catalog) -> TutorDetails:
    subjects = tutor_subjects(rng, catalog)
    levels = tutor_levels(rng, persona, subjects[0], catalog)
    years = rng.randint(2, 20)
    return TutorDetails(
        headline=tutor_headline(rng, subjects, levels, years),
        bio=tutor_bio(rng, persona, subjects, years),
        qualifications=tutor_qualifications(rng, persona, subjects[0]),
        subjects=subjects,
        levels=levels,
    )


def create_tutor(*, email: str, persona: Persona, details: TutorDetails, password_hash: str) -> User:
    with transaction.atomic():
        user = services.register_user(
            email=email, full_name=persona.full_name, password=DEMO_PASSWORD, role=User.Role.TUTOR, phone=persona.phone
        )
        services.update_tutor_profile(
            user=user,
            full_name=user.full_name,
            phone=user.phone,
            headline=details.headline,
            bio=details.bio,
            qualifications=details.qualifications,
            subjects=details.subjects,
            levels=details.levels,
        )
        set_password_hash(user, password_hash)
    return user


def set_password_hash(user: User, password_hash: str) -> None:
    # Swap register_user's throwaway hash for the real one (see THROWAWAY_HASHERS). No service sets a
    # ready-made hash, and this touches nothing but the password.
    User.objects.filter(pk=user.pk).update(password=password_hash)


# --- The fixed logins ------------------------------------------------------------------

FIXED_STUDENT = Persona("Tolu Adebayo", "+2348031234501", abroad=False)
FIXED_TUTOR = Persona("Chinedu Okafor", "+2348061234502", abroad=False)
FIXED_STAFF_NAME = "Hauwa Bello"


def fixed_tutor_details(catalog: Catalog) -> TutorDetails:
    return TutorDetails(
        headline="Maths and physics tutor, 9 years",
        bio="I have taught maths and physics in Lagos for 9 years, mostly SSS students preparing for WAEC and JAMB. "
        "I break every topic into small steps and use past questions to build confidence.",
        qualifications="B.Sc. Physics, University of Lagos\nTRCN-registered teacher",
        subjects=catalog.pick_subjects(["mathematics", "physics", "further-mathematics"]),
        levels=catalog.pick_levels(["sss-2", "sss-3", "waec-neco-ssce-preparation", "jamb-utme-preparation"]),
    )


def exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()
