"""Demo questions, bids and an accepted bid on top of the demo accounts (run seed_demo first).

Everything goes through the services, so the demo obeys the same rules as real users.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from bidding import services as bids
from catalog.models import Level, Subject
from demo.profiles import DEMO_DOMAIN, STUDENT_EMAIL, TUTOR_EMAIL
from engagements import services as engagements
from questions import services as questions
from questions.models import Question

# (title, body, subject slug, level slug, budget in naira)
QUESTIONS = [
    (
        "Factorise x² - 5x + 6 and explain each step",
        "I know the answer is (x-2)(x-3) but not **why**.",
        "mathematics",
        "sss-3",
        3000,
    ),
    (
        "Projectile motion: time of flight",
        "A ball is thrown at 20 m/s at 30° to the horizontal. Find the time of flight and range.",
        "physics",
        "waec-neco-ssce-preparation",
        4000,
    ),
    (
        "Balancing redox equations in acid",
        "Balance: MnO4⁻ + Fe²⁺ → Mn²⁺ + Fe³⁺. I keep getting the electrons wrong.",
        "chemistry",
        "sss-3",
        3500,
    ),
    (
        "JAMB Use of English: comprehension tips",
        "How do I answer the inference questions quickly?",
        "english-language",
        "jamb-utme-preparation",
        2500,
    ),
    (
        "Integration by parts: ∫ x·sin(x) dx",
        "Which part should be u? Please show the working.",
        "mathematics",
        "100-level",
        5000,
    ),
    (
        "Elasticity of demand for my ECO 101 assignment",
        "Explain price elasticity with a Nigerian market example (e.g. fuel).",
        "economics",
        "100-level",
        6000,
    ),
    (
        "Photosynthesis light and dark reactions",
        "I need a clear diagram-style explanation for WAEC.",
        "biology",
        "waec-neco-ssce-preparation",
        3000,
    ),
    (
        "Bank reconciliation statement",
        "Prepare a bank reconciliation from the attached cash book figures (typed below).",
        "financial-accounting",
        "sss-2",
        4500,
    ),
    (
        "Python: why does my loop skip items?",
        "I remove items from a list while looping over it. What happens?",
        "computer-science",
        "200-level",
        7000,
    ),
    ("Simultaneous equations by elimination", "Solve 2x + 3y = 12 and 3x - y = 7.", "mathematics", "jss-3", 2000),
    (
        "ICAN Financial Reporting: IFRS 15 revenue",
        "Five-step model applied to a bundled phone contract.",
        "financial-accounting",
        "ican",
        15000,
    ),
    (
        "Ohm's law with resistors in parallel",
        "Find the current through each resistor: 6 Ω and 3 Ω in parallel on 12 V.",
        "physics",
        "sss-2",
        2500,
    ),
]
BID_MESSAGES = [
    "I teach this every term. I will write out every step and explain why it works.",
    "I can explain this with a worked example and two practice questions for you.",
    "Clear step-by-step solution, with the exam tricks WAEC examiners look for.",
    "I will solve it and record a short explanation of the method.",
]


class Command(BaseCommand):
    help = "Fill the demo with questions, bids and an accepted bid (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, **options):
        if Question.objects.filter(student__email__endswith=f"@{DEMO_DOMAIN}").exists():
            self.stdout.write("Demo questions already exist.")
            return
        people = _people()
        rng = random.Random(seed)
        posted = [self._ask(rng, number, item, people) for number, item in enumerate(QUESTIONS)]
        for question in posted:
            self._bid(rng, question, people["tutors"])
        self._walk_through_engagements(posted, people)
        self.stdout.write(f"Created {len(posted)} demo questions with bids and one accepted bid awaiting payment.")

    def _ask(self, rng, number: int, item, people) -> Question:
        title, body, subject, level, naira = item
        # The demo student asks the first four, so their pages show every stage.
        student = people["student"] if number < 4 else rng.choice(people["students"])
        return questions.post_question(
            student=student,
            title=title,
            body=body,
            subject=Subject.objects.get(slug=subject),
            level=Level.objects.get(slug=level),
            deadline=timezone.now() + timedelta(hours=rng.choice([6, 20, 48, 96, 200])),
            budget=naira * 100,
            currency="NGN",
        )

    def _bid(self, rng, question: Question, tutors: list[User]) -> None:
        teaching = [t for t in tutors if question.subject in t.tutor_profile.subjects.all()] or tutors
        for tutor in rng.sample(teaching, k=min(len(teaching), rng.randint(1, 4))):
            bids.place_bid(
                question=question,
                tutor=tutor,
                amount=max(100_000, round(question.budget * rng.uniform(0.6, 1.0), -4)),
                message=rng.choice(BID_MESSAGES),
                delivery_hours=rng.choice([3, 6, 12, 24]),
            )

    def _walk_through_engagements(self, posted: list[Question], people) -> None:
        """The demo student has accepted the demo tutor's bid on question 2: it waits for payment,
        which they make on the payment sandbox's checkout page like any student."""
        tutor, student = people["tutor"], people["student"]
        question = posted[1]
        bid = question.bids.filter(tutor=tutor).first() or bids.place_bid(
            question=question, tutor=tutor, amount=question.budget, message=BID_MESSAGES[0], delivery_hours=12
        )
        engagements.accept_bid(bid=bid, by=student)


def _people() -> dict:
    try:
        return {
            "student": User.objects.get(email=STUDENT_EMAIL),
            "tutor": User.objects.get(email=TUTOR_EMAIL),
            "students": list(User.objects.filter(role=User.Role.STUDENT, email__endswith=f"@{DEMO_DOMAIN}")),
            "tutors": list(
                User.objects.filter(role=User.Role.TUTOR, email__endswith=f"@{DEMO_DOMAIN}").prefetch_related(
                    "tutor_profile__subjects"
                )
            ),
        }
    except User.DoesNotExist as exc:
        raise CommandError("Run `manage.py seed_demo` first: the demo accounts are missing.") from exc
