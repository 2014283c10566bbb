"""A marketplace's worth of users, questions and bids, written straight into PostgreSQL with COPY.

The services would take hours for a million bids, so this writes rows directly and then keeps every
denormalised column the way the services would have left it: `body_html` and `search_document` as
questions.services renders them, `bid_count` and `lowest_bid` from the live bids, and TutorStats
from the bids. Engagements, reviews and status history are not generated: the feed never reads them,
so past questions end as expired or cancelled rather than completed.
"""

import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import markdown
import nh3
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Level, Subject
from core.markup import plain_text, render_markdown
from core.money import currency_rules
from demo import profiles
from demo.people import make_persona
from questions.models import Question

BENCH_DOMAIN = "bench.experthive.ng"
BENCH_TUTOR_EMAIL = f"tutor@{BENCH_DOMAIN}"
BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - a throwaway benchmark database's only login
TUTOR_SHARE = 0.4
HISTORY_DAYS = 120  # questions were posted over the last four months
MEAN_DEADLINE_DAYS = 20
OPEN_BIDS_MAX = 10  # open questions are recent: fewer bids so far (and tutors' live-bid cap applies)
WITHDRAWN_SHARE = 0.08
CURRENCY_WEIGHTS = {"NGN": 92, "USD": 3, "GBP": 2, "GHS": 1, "KES": 1, "ZAR": 1}
BUDGET_RANGE = {"NGN": (1_000, 100_000), "USD": (5, 200), "GBP": (5, 150), "GHS": (50, 2_000)}
BUDGET_RANGE_DEFAULT = (500, 20_000)  # KES, ZAR and any other currency
# How often each subject is asked about; the rest weigh 1.
SUBJECT_WEIGHTS = {
    "mathematics": 14,
    "english-language": 8,
    "physics": 7,
    "chemistry": 7,
    "biology": 6,
    "further-mathematics": 4,
    "economics": 4,
    "financial-accounting": 3,
    "computer-science": 3,
    "statistics": 2,
    "government": 2,
    "literature-in-english": 2,
}
LEVEL_WEIGHTS = {
    "sss-3": 10,
    "waec-neco-ssce-preparation": 8,
    "jamb-utme-preparation": 8,
    "sss-2": 6,
    "100-level": 6,
    "200-level": 5,
    "sss-1": 4,
    "300-level": 3,
    "a-level": 2,
    "gcse-igcse": 2,
}
TOPICS = {
    "mathematics": ["quadratic equations", "simultaneous equations", "integration by parts", "differentiation",
                    "logarithms", "indices", "trigonometry", "probability", "matrices", "sequences and series",
                    "circle theorems", "vectors", "surds", "linear programming", "mensuration"],
    "further-mathematics": ["complex numbers", "binomial expansion", "partial fractions", "conic sections",
                            "differential equations", "mathematical induction", "hyperbolic functions"],
    "english-language": ["comprehension passages", "summary writing", "essay writing", "lexis and structure",
                         "oral English", "formal letters", "concord", "figures of speech", "reported speech"],
    "literature-in-english": ["poetry analysis", "themes in Things Fall Apart", "drama", "prose", "literary devices",
                              "Shakespeare's Macbeth", "African poetry"],
    "physics": ["Newton's laws of motion", "projectile motion", "electric circuits", "Ohm's law", "waves",
                "refraction of light", "electromagnetic induction", "radioactivity", "momentum", "thermodynamics",
                "simple harmonic motion", "capacitors"],
    "chemistry": ["mole concept", "stoichiometry", "organic chemistry", "electrolysis", "chemical equilibrium",
                  "acids and bases", "titration", "periodic table", "redox reactions", "hydrocarbons",
                  "rates of reaction", "gas laws"],
    "biology": ["photosynthesis", "cell division", "genetics", "respiration", "ecology", "the nervous system",
                "enzymes", "evolution", "transport in plants", "reproduction in mammals"],
    "agricultural-science": ["soil fertility", "crop rotation", "animal husbandry", "farm machinery", "pest control"],
    "economics": ["demand and supply", "elasticity", "national income", "inflation", "market structures",
                  "money and banking", "production possibility curve", "international trade"],
    "financial-accounting": ["double entry", "trial balance", "bank reconciliation", "depreciation",
                             "partnership accounts", "final accounts", "cash flow statements", "ratio analysis"],
    "commerce": ["warehousing", "insurance", "trade documents", "channels of distribution", "business finance"],
    "government": ["federalism", "separation of powers", "the constitution", "electoral systems", "pressure groups",
                   "colonial administration"],
    "geography": ["map reading", "climate", "rocks and minerals", "population", "latitude and longitude"],
    "civic-education": ["human rights", "citizenship", "rule of law", "democracy", "national values"],
    "computer-science": ["Python loops", "recursion", "sorting algorithms", "linked lists", "SQL joins",
                         "binary numbers", "object-oriented programming", "Big O notation", "logic gates"],
    "statistics": ["standard deviation", "hypothesis testing", "regression", "normal distribution",
                   "probability distributions", "correlation", "sampling"],
    "engineering": ["circuit analysis", "statics", "strength of materials", "fluid mechanics", "control systems"],
    "law": ["contract law", "law of torts", "constitutional law", "criminal law", "land law", "equity and trusts"],
    "medicine-and-health-sciences": ["anatomy", "physiology", "pharmacology", "biochemistry", "pathology"],
    "business-and-management": ["marketing mix", "SWOT analysis", "business plans", "leadership styles",
                                "organisational structure"],
    "french": ["French verb conjugation", "passé composé", "French comprehension", "French essay"],
    "yoruba": ["Yoruba proverbs", "Yoruba grammar", "Yoruba literature"],
    "igbo": ["Igbo grammar", "Igbo proverbs", "Igbo literature"],
    "hausa": ["Hausa grammar", "Hausa literature", "Hausa composition"],
}  # fmt: skip
TITLES = [
    "How do I solve this {topic} question?",
    "Help with {topic} before my exam",
    "Step-by-step explanation of {topic} needed",
    "Stuck on {topic}: where am I going wrong?",
    "{Topic} assignment due soon",
    "Can someone explain {topic} simply?",
    "Past question on {topic}",
    "Urgent: {topic} homework",
    "{Topic} — I keep getting a different answer",
    "Need a tutor for {topic} practice questions",
]
OPENINGS = [
    "We just started **{topic}** in {subject} and I am already lost.",
    "I have a test on {topic} this week and I don't understand the method our teacher used.",
    "Our {subject} lecturer gave us an assignment on {topic}. I have done part of it but I am not confident.",
    "I keep making mistakes in {topic} questions, especially the longer ones.",
    "This is a past question on {topic} from my school's mock exam.",
]
PROBLEMS = [
    "> The question asks me to apply {topic} to a worked example and show every step.",
    "My answer does not match the one at the back of the textbook, so I must be missing a step in {topic}.",
    "I tried:\n\n1. reading my notes on {topic}\n2. watching two videos\n3. asking a classmate\n\nbut I still "
    "can't see how to start.",
    "The marking scheme says I lost marks for *method*, not for the final answer.",
    "I understand the definition of {topic} but not how to use it in a real problem.",
    "Which rule or `formula` should I use first, and why?",
]
ASKS = [
    "Please explain it step by step so I can do the next ones myself.",
    "I need a full worked solution with short explanations for each step.",
    "A short video call would help, or written notes with diagrams.",
    "Please also give me two similar practice questions with answers.",
    "I would like to understand the idea, not just get the answer.",
]
BID_MESSAGES = [
    "I teach this topic every week and can walk you through it step by step.",
    "I can send a full worked solution with notes on each step, well before your deadline.",
    "I have marked exams on this for years; I will show you where the marks come from.",
    "Happy to help. I will explain the method first, then we solve it together.",
    "I can do a short call and then send written notes you can revise from.",
    "I will include two extra practice questions with answers.",
]
DELIVERY_HOURS = [2, 4, 6, 12, 24, 48, 72]


@dataclass
class Sizes:
    users: int
    questions: int
    bids: int


@dataclass
class Markup:
    """Each distinct paragraph rendered once: rendering 100k bodies one by one takes minutes.

    Markdown renders blank-line-separated paragraphs independently, so a body's HTML is its
    paragraphs' HTML joined by newlines; `check` proves it against the real functions.
    """

    html: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)

    def render(self, paragraphs: list[str]) -> tuple[str, str]:
        """(body_html, plain text) exactly as questions.services would store them."""
        for paragraph in paragraphs:
            if paragraph not in self.html:
                self.html[paragraph] = render_markdown(paragraph)
                self.raw[paragraph] = markdown.markdown(paragraph)
        html = "\n".join(self.html[p] for p in paragraphs)
        plain = nh3.clean("\n".join(self.raw[p] for p in paragraphs), tags=set()).strip()
        return html, plain

    def check(self, paragraphs: list[str]) -> None:
        body = "\n\n".join(paragraphs)
        if self.render(paragraphs) != (render_markdown(body), plain_text(body)):
            raise SystemExit(f"Cached rendering differs from questions.services for:\n{body}")


@dataclass
class People:
    tutors: list[int]
    students: list[int]


@dataclass
class QuestionPlan:
    row: list
    bids: list[list] = field(default_factory=list)


def refuse_unsafe_database() -> None:
    name = connection.settings_dict["NAME"] or ""
    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://... (it refuses SQLite).")
    if name.startswith("test"):
        raise SystemExit(f"Refusing to fill {name!r}: names starting with 'test' belong to the test suite.")


def generate(sizes: Sizes, *, reset: bool, seed: int) -> None:
    refuse_unsafe_database()
    if User.objects.exists() and not reset:
        raise SystemExit("The database already has users. Pass --reset to replace everything with benchmark data.")
    rng = random.Random(seed)
    now = timezone.now()
    started = time.monotonic()
    with transaction.atomic():
        if reset:
            truncate()
        people = write_users(rng, sizes.users, now)
        report("users", sizes.users, started)
        plans = plan_questions(rng, sizes.questions, people, now)
        plan_bids(rng, plans, people, sizes.bids, now)
        write_questions(plans)
        report("questions", len(plans), started)
        write_bids(plans)
        report("bids", sum(len(plan.bids) for plan in plans), started)
        write_tutor_stats()
        restart_sequences()
    analyse()
    report("vacuum analyse", 0, started)
    print_summary(now)


def report(what: str, count: int, started: float) -> None:
    print(f"{time.monotonic() - started:6.1f}s  {what}" + (f": {count:,}" if count else ""), flush=True)


def truncate() -> None:
    # Users cascade to everything that points at them: profiles, questions, bids, engagements...
    tables = ["accounts_user", "django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def copy_rows(table: str, columns: list[str], rows) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# --- Users ------------------------------------------------------------------------------------


def write_users(rng: random.Random, count: int, now: datetime) -> People:
    catalog = profiles.Catalog.load()
    password = make_password(BENCH_PASSWORD)  # one slow hash, shared by everyone
    tutor_count = max(1, int(count * TUTOR_SHARE))
    users, tutor_rows, subject_rows, level_rows, student_rows = [], [], [], [], []
    for pk in range(1, count + 1):
        persona = make_persona(rng)
        role = User.Role.TUTOR if pk <= tutor_count else User.Role.STUDENT
        email = BENCH_TUTOR_EMAIL if pk == 1 else f"{role}{pk}@{BENCH_DOMAIN}"
        joined = now - timedelta(days=rng.uniform(HISTORY_DAYS + 1, 3 * 365))
        users.append(
            [pk, password, None, False, email, persona.full_name, persona.phone, None, role, True, False, joined]
        )
        if role == User.Role.TUTOR:
            details = profiles.tutor_details(rng, persona, catalog)
            tutor_rows.append([pk, pk, details.headline, details.bio, details.qualifications])
            subject_rows += [[pk, subject.pk] for subject in details.subjects]
            level_rows += [[pk, level.pk] for level in details.levels]
        else:
            level = profiles.student_level(rng, persona, catalog)
            student_rows.append([pk, profiles.student_institution(rng, persona, level), level.pk, pk])
    user_columns = ["id", "password", "last_login", "is_superuser", "email", "full_name", "phone",
                    "phone_verified_at", "role", "is_active", "is_staff", "date_joined"]  # fmt: skip
    copy_rows("accounts_user", user_columns, users)
    copy_rows("accounts_tutorprofile", ["id", "user_id", "headline", "bio", "qualifications"], tutor_rows)
    copy_rows("accounts_tutorprofile_subjects", ["tutorprofile_id", "subject_id"], subject_rows)
    copy_rows("accounts_tutorprofile_levels", ["tutorprofile_id", "level_id"], level_rows)
    copy_rows("accounts_studentprofile", ["id", "institution", "level_id", "user_id"], student_rows)
    return People(tutors=list(range(1, tutor_count + 1)), students=list(range(tutor_count + 1, count + 1)))


# --- Questions -----------------------------------------------------------------------------------

QUESTION_COLUMNS = ["id", "title", "body", "body_html", "deadline", "budget", "currency", "status", "bid_count",
                    "lowest_bid", "search_document", "created_at", "updated_at", "level_id", "student_id",
                    "subject_id"]  # fmt: skip
# Positions in a question row the bids need.
Q_ID, Q_DEADLINE, Q_BUDGET, Q_CURRENCY, Q_STATUS, Q_BID_COUNT, Q_LOWEST, Q_CREATED = 0, 4, 5, 6, 7, 8, 9, 11


def weighted(rng: random.Random, items: list, weights: dict[str, int], count: int) -> list:
    return rng.choices(items, weights=[weights.get(item.slug, 1) for item in items], k=count)


@dataclass
class Choices:
    """What a question is drawn from, read from the catalog once."""

    levels: list[Level]
    university: list[Level]
    students: list[int]
    markup: Markup = field(default_factory=Markup)


def plan_questions(rng: random.Random, count: int, people: People, now: datetime) -> list[QuestionPlan]:
    levels = list(Level.objects.active())
    university = [level for level in levels if level.slug in profiles.UNIVERSITY_LEVELS] or levels
    choices = Choices(levels=levels, university=university, students=people.students)
    # Posted over the last months; ids follow posting order, as they would in production.
    posted = sorted(now - timedelta(days=rng.uniform(0, HISTORY_DAYS)) for _ in range(count))
    subjects = weighted(rng, list(Subject.objects.active()), SUBJECT_WEIGHTS, count)
    rows = zip(posted, subjects, strict=True)
    return [QuestionPlan(question_row(rng, pk, created, subject, choices, now)) for pk, (created, subject) in
            enumerate(rows, start=1)]  # fmt: skip


def question_row(rng: random.Random, pk: int, created: datetime, subject: Subject, choices: Choices, now: datetime):
    pool = choices.university if subject.slug in profiles.UNIVERSITY_SUBJECTS else choices.levels
    level = weighted(rng, pool, LEVEL_WEIGHTS, 1)[0]
    topic = rng.choice(TOPICS.get(subject.slug) or [subject.name])
    paragraphs = question_paragraphs(rng, topic, subject.name)
    if pk <= 200:
        choices.markup.check(paragraphs)
    body_html, plain = choices.markup.render(paragraphs)
    title = rng.choice(TITLES).format(topic=topic, Topic=topic[0].upper() + topic[1:])
    currency = rng.choices(list(CURRENCY_WEIGHTS), weights=list(CURRENCY_WEIGHTS.values()))[0]
    deadline = created + timedelta(hours=1) + timedelta(days=min(89, rng.expovariate(1 / MEAN_DEADLINE_DAYS)))
    status = question_status(rng, deadline, now)
    updated = min(deadline, now) if status != Question.Status.OPEN else created
    search_document = f"{title}\n{subject.name}\n{plain}"
    return [pk, title, "\n\n".join(paragraphs), body_html, deadline, budget(rng, currency), currency, status,
            0, None, search_document, created, updated, level.pk, rng.choice(choices.students), subject.pk]  # fmt: skip


def question_paragraphs(rng: random.Random, topic: str, subject: str) -> list[str]:
    middle = rng.sample(PROBLEMS, rng.randint(0, 2))
    paragraphs = [rng.choice(OPENINGS), *middle, rng.choice(ASKS)]
    return [paragraph.format(topic=topic, subject=subject) for paragraph in paragraphs]


def question_status(rng: random.Random, deadline: datetime, now: datetime) -> str:
    if deadline > now:
        return Question.Status.CANCELLED if rng.random() < 0.05 else Question.Status.OPEN
    return Question.Status.CANCELLED if rng.random() < 0.2 else Question.Status.EXPIRED


def budget(rng: random.Random, currency: str) -> int:
    low, high = BUDGET_RANGE.get(currency, BUDGET_RANGE_DEFAULT)
    major = math.exp(rng.uniform(math.log(low), math.log(high)))  # many small budgets, a few large
    step = 500 if currency == "NGN" else 5
    minor = max(step, round(major / step) * step) * 100
    return max(minor, currency_rules(currency).min_bid)


def write_questions(plans: list[QuestionPlan]) -> None:
    copy_rows("questions_question", QUESTION_COLUMNS, (plan.row for plan in plans))


# --- Bids ------------------------------------------------------------------------------------------

BID_COLUMNS = ["id", "amount", "currency", "message", "delivery_hours", "status", "created_at", "updated_at",
               "question_id", "tutor_id"]  # fmt: skip


def bid_counts(rng: random.Random, plans: list[QuestionPlan], total: int) -> Counter:
    """How many bids each question gets: a few on open ones, the rest spread over closed ones."""
    counts: Counter = Counter()
    closed = []
    for index, plan in enumerate(plans):
        if plan.row[Q_STATUS] == Question.Status.OPEN:
            counts[index] = rng.randint(0, OPEN_BIDS_MAX)
        else:
            closed.append(index)
    remaining = max(0, total - sum(counts.values()))
    counts.update(rng.choices(closed or list(range(len(plans))), k=remaining))
    return counts


def plan_bids(rng: random.Random, plans: list[QuestionPlan], people: People, total: int, now: datetime) -> None:
    """Bids per question from distinct tutors, no tutor over the live-bid cap on open questions."""
    cap = settings.MAX_LIVE_BIDS_PER_TUTOR
    live_on_open: Counter = Counter()
    available = list(people.tutors)
    next_id = 1
    for index, count in sorted(bid_counts(rng, plans, total).items()):
        row = plans[index].row
        is_open = row[Q_STATUS] == Question.Status.OPEN
        pool = available if is_open else people.tutors
        for tutor in rng.sample(pool, min(count, len(pool))):
            bid = make_bid(rng, next_id, row, tutor, now)
            next_id += 1
            plans[index].bids.append(bid)
            if is_open and bid[5] == "live":
                live_on_open[tutor] += 1
                if live_on_open[tutor] >= cap:
                    available.remove(tutor)
        live = [bid[1] for bid in plans[index].bids if bid[5] == "live"]
        row[Q_BID_COUNT], row[Q_LOWEST] = len(live), min(live, default=None)


def make_bid(rng: random.Random, pk: int, question: list, tutor: int, now: datetime) -> list:
    currency = question[Q_CURRENCY]
    step = 10_000 if currency == "NGN" else 100  # whole hundreds of naira, whole dollars...
    amount = max(currency_rules(currency).min_bid, round(question[Q_BUDGET] * rng.uniform(0.6, 1.15) / step) * step)
    latest = min(question[Q_DEADLINE], now)
    created = min(latest, question[Q_CREATED] + timedelta(hours=rng.expovariate(1 / 6)))
    status = "withdrawn" if rng.random() < WITHDRAWN_SHARE else "live"
    return [
        pk,
        amount,
        currency,
        rng.choice(BID_MESSAGES),
        rng.choice(DELIVERY_HOURS),
        status,
        created,
        created,
        question[Q_ID],
        tutor,
    ]


def write_bids(plans: list[QuestionPlan]) -> None:
    copy_rows("bidding_bid", BID_COLUMNS, (bid for plan in plans for bid in plan.bids))


def write_tutor_stats() -> None:
    """TutorStats as bidding.services keeps them: bids placed and the seconds from question to bid."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO bidding_tutorstats (tutor_id, bid_count, response_seconds_total, completed_count,
                on_time_count, review_count, rating_total, knowledge_total, clarity_total, timeliness_total,
                communication_total)
            SELECT u.id, count(b.id),
                   coalesce(sum(greatest(0, floor(extract(epoch FROM b.created_at - q.created_at))))::bigint, 0),
                   0, 0, 0, 0, 0, 0, 0, 0
            FROM accounts_user u
            LEFT JOIN bidding_bid b ON b.tutor_id = u.id
            LEFT JOIN questions_question q ON q.id = b.question_id
            WHERE u.role = 'tutor'
            GROUP BY u.id
            """
        )


def restart_sequences() -> None:
    """Rows came with explicit ids; move each identity past them so the site can insert again."""
    tables = ["accounts_user", "accounts_tutorprofile", "accounts_studentprofile", "questions_question", "bidding_bid"]
    with connection.cursor() as cursor:
        for table in tables:  # our own table names, never input
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            cursor.execute(sql)


def analyse() -> None:
    # Fresh statistics for the planner, and a visibility map for index-only scans.
    with connection.cursor() as cursor:
        for table in ["accounts_user", "questions_question", "bidding_bid", "bidding_tutorstats"]:
            cursor.execute(f"VACUUM ANALYZE {table}")


def print_summary(now: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM questions_question),"
            " (SELECT count(*) FROM questions_question WHERE status = 'open' AND deadline > %s),"
            " (SELECT count(*) FROM bidding_bid), pg_size_pretty(pg_database_size(current_database()))",
            [now],
        )
        users, questions, open_questions, bids, size = cursor.fetchone()
    print(f"{users:,} users, {questions:,} questions ({open_questions:,} open), {bids:,} bids; database {size}")
    print(f"Benchmark login: {BENCH_TUTOR_EMAIL} / {BENCH_PASSWORD}")
