"""The subjects and levels a new installation starts with; staff add more in the admin."""

SUBJECTS = [
    "Mathematics",
    "Further Mathematics",
    "English Language",
    "Literature in English",
    "Physics",
    "Chemistry",
    "Biology",
    "Agricultural Science",
    "Economics",
    "Financial Accounting",
    "Commerce",
    "Government",
    "Geography",
    "Civic Education",
    "Computer Science",
    "Statistics",
    "Engineering",
    "Law",
    "Medicine and Health Sciences",
    "Business and Management",
    "French",
    "Yoruba",
    "Igbo",
    "Hausa",
]

LEVELS = {
    "nigerian": [
        "Primary school",
        "JSS 1",
        "JSS 2",
        "JSS 3",
        "SSS 1",
        "SSS 2",
        "SSS 3",
        "WAEC / NECO (SSCE) preparation",
        "JAMB UTME preparation",
        "100 level",
        "200 level",
        "300 level",
        "400 level",
        "500 level",
        "Postgraduate",
    ],
    "international": [
        "Middle school",
        "High school",
        "GCSE / IGCSE",
        "A-level",
        "IB Diploma",
        "SAT / ACT preparation",
        "Undergraduate",
        "Graduate",
    ],
    "professional": ["ICAN", "ACCA", "CIBN", "Nigerian Law School"],
}


def install(subject_model, level_model) -> None:
    """Create any missing default subject or level. Takes the models so migrations can pass theirs."""
    from django.utils.text import slugify

    for name in SUBJECTS:
        subject_model.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    # Positions run on across systems, so one ordering lists Nigerian levels first.
    for base, (system, names) in enumerate(LEVELS.items()):
        for index, name in enumerate(names):
            level_model.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "system": system, "position": base * 100 + index}
            )
