"""Recommendation latency at marketplace scale: 100k open questions, 10k tutors, on PostgreSQL.

    .venv/bin/python bench/recommend.py [--database-url postgres://.../experthive_recbench] [--reseed]

Seeds its own database once (synthetic text, vectors and postings written in bulk with the same
`text` functions the site uses), then times the two reads the pages make: the top 10 questions for
a tutor and the top 10 tutors for a question. Prints p50 and p95 in milliseconds.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/experthive_recbench"
QUESTIONS = 100_000
TUTORS = 10_000
STUDENTS = 2_000
SAMPLES = 200
BATCH = 5_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reseed", action="store_true", help="Drop and seed the data again.")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if name.startswith("test"):
        sys.exit("Refusing a database named test*: the test runner owns those.")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "experthive.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Synthetic marketplace ----------------------------------------------------------------


def vocabulary(rng: random.Random, subjects: list[str]) -> dict[str, list[str]]:
    """Per subject, 400 topic words; Zipf-like use comes from sampling with weights."""
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bi", "da", "fu", "go", "he", "ji"]
    words = {}
    for subject in subjects:
        words[subject] = ["".join(rng.choices(syllables, k=3)) + subject[:3] for _ in range(400)]
    words["_common"] = ["".join(rng.choices(syllables, k=2)) for _ in range(300)]
    return words


def sentence(rng: random.Random, words: dict[str, list[str]], subject: str, length: int) -> str:
    topic = rng.choices(words[subject], weights=[1 / (i + 1) for i in range(400)], k=length // 2)
    common = rng.choices(words["_common"], weights=[1 / (i + 1) for i in range(300)], k=length - length // 2)
    return " ".join(topic + common)


def seed(rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from catalog.defaults import install
    from catalog.models import Level, Subject
    from questions.models import Question
    from recommendations import text
    from recommendations.models import QuestionTerm, QuestionVector, TermStat, TutorTerm, TutorVector

    install(Subject, Level)
    subjects = list(Subject.objects.all())
    levels = list(Level.objects.all())
    words = vocabulary(rng, [s.slug for s in subjects])
    now = timezone.now()
    print("seeding users ...", flush=True)
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(email=f"s{n}@bench.test", full_name=f"Student {n}", role="student", password=unusable)
            for n in range(STUDENTS)
        ]
        + [
            User(email=f"t{n}@bench.test", full_name=f"Tutor {n}", role="tutor", password=unusable)
            for n in range(TUTORS)
        ],
        batch_size=BATCH,
    )
    students = list(User.objects.filter(role="student").values_list("pk", flat=True))
    tutors = list(User.objects.filter(role="tutor").values_list("pk", flat=True))
    print("seeding questions and their vectors ...", flush=True)
    counts_by_question = []
    for start in range(0, QUESTIONS, BATCH):
        batch = []
        for n in range(start, min(QUESTIONS, start + BATCH)):
            subject = rng.choice(subjects)
            title = sentence(rng, words, subject.slug, 6)
            body = sentence(rng, words, subject.slug, 40)
            batch.append(
                Question(
                    student_id=rng.choice(students),
                    title=title,
                    body=body,
                    body_html=body,
                    search_document=f"{title}\n{body}",
                    subject=subject,
                    level=rng.choice(levels),
                    deadline=now + timedelta(days=rng.randint(2, 60)),
                    budget=rng.randint(10, 200) * 10_000,
                    currency="NGN",
                    created_at=now - timedelta(minutes=n),
                )
            )
        for question in Question.objects.bulk_create(batch):
            counts_by_question.append(
                (
                    question.pk,
                    question.subject.slug,
                    text.term_counts(title=question.title, body=question.body, tags=[question.subject.slug]),
                )
            )
    df = Counter(term for _, _, counts in counts_by_question for term in counts)
    idfs = {term: text.idf(freq, QUESTIONS) for term, freq in df.items()}
    TermStat.objects.bulk_create([TermStat(term=t, questions=c) for t, c in df.items()], batch_size=BATCH)
    vectors = {}
    by_subject: dict[str, list[int]] = {}
    for start in range(0, len(counts_by_question), BATCH):
        rows, postings = [], []
        for pk, slug, counts in counts_by_question[start : start + BATCH]:
            vector = text.weigh(counts, idfs, default_idf=text.idf(0, QUESTIONS))
            vectors[pk] = vector
            by_subject.setdefault(slug, []).append(pk)
            rows.append(QuestionVector(question_id=pk, terms=vector))
            postings += [QuestionTerm(question_id=pk, term=t, weight=w) for t, w in vector.items()]
        QuestionVector.objects.bulk_create(rows)
        QuestionTerm.objects.bulk_create(postings, batch_size=BATCH)
    print("seeding tutors' histories ...", flush=True)
    slugs = list(by_subject)
    for start in range(0, TUTORS, 1000):
        tutor_rows, tutor_postings = [], []
        for pk in tutors[start : start + 1000]:
            declared = rng.sample(slugs, k=rng.randint(1, 3))
            worked = rng.choice([0, 0, 1, 3, 8, 20, 60])
            history = [rng.choice(by_subject[rng.choice(declared)]) for _ in range(worked)]
            profile: dict[str, float] = {text.tag_term(s): 1.0 for s in declared}
            for qid in history:
                text.add_into(profile, vectors[qid])
            profile = text.top(profile, text.MAX_TUTOR_TERMS)
            completed = rng.randint(0, worked)
            facts = {
                "worked": worked,
                "declared_subjects": declared,
                "subject_work": {declared[0]: worked},
                "won": completed,
                "completed": completed,
                "ended": completed,
                "on_time": completed,
                "reviews": completed,
                "rating_total": completed * rng.randint(3, 5),
                "recent": rng.randint(0, worked),
                "usual_price": {"NGN": rng.randint(20, 100) * 10_000},
            }
            tutor_rows.append(TutorVector(tutor_id=pk, terms=profile, facts=facts, signature="bench"))
            tutor_postings += [TutorTerm(tutor_id=pk, term=t, weight=w) for t, w in profile.items()]
        TutorVector.objects.bulk_create(tutor_rows)
        TutorTerm.objects.bulk_create(tutor_postings, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE recommendations_questionterm, recommendations_questionvector, recommendations_tutorterm, "
            "recommendations_tutorvector, recommendations_termstat, recommendations_impression, "
            "recommendations_invitation, questions_question, accounts_user CASCADE"
        )


# --- Timing -------------------------------------------------------------------------------


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def report(name: str, millis: list[float]) -> None:
    cuts = statistics.quantiles(millis, n=100)
    print(f"{name:<28} p50 {cuts[49]:6.1f} ms   p95 {cuts[94]:6.1f} ms   ({len(millis)} requests)")


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from accounts.models import User
    from questions.models import Question
    from recommendations import queries
    from recommendations.models import TutorVector

    rng = random.Random(7)
    if args.reseed:
        reset()
    if Question.objects.count() < QUESTIONS:
        reset()
        seed(rng)
    print(f"{Question.objects.open().count():,} open questions, {TutorVector.objects.count():,} tutors with vectors")
    tutors = list(User.objects.filter(role="tutor").order_by("?")[:SAMPLES])
    questions = list(Question.objects.select_related("subject", "level").order_by("?")[:SAMPLES])

    def for_tutor(user):
        row, _ = queries.tutor_row(user)
        return queries.recommended_questions(row, user, size=10)

    def for_question(question):
        vector, _ = queries.question_vector(question)
        return queries.suggested_tutors(question, vector, size=10)

    for warm in tutors[:10]:
        for_tutor(warm)
    report("top 10 questions for a tutor", [timed(lambda u=u: for_tutor(u)) for u in tutors])
    report("top 10 tutors for a question", [timed(lambda q=q: for_question(q)) for q in questions])


if __name__ == "__main__":
    main()
