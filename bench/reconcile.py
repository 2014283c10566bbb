"""Reconciling a gateway's records against the books at scale: 100,000 gateway transactions matched to
100,000 payments (each with its ledger transaction and two entries), streamed page by page.

    .venv/bin/python bench/reconcile.py [--database-url postgres://.../experthive_reconbench] [--reseed]

Seeds its own PostgreSQL database once, then runs the comparison the staff page starts
(`payments.services.gateway_records`) over the first 10,000, 50,000 and 100,000 transactions of a
synthetic gateway that hands out pages of 100 (as the real lists do) and prints, for each: wall time,
records per second, and peak Python memory (tracemalloc). The floor in the same run is reading the
same pages without matching them; the matching's cost is reported as a multiple of it. The load
average is printed first: this machine's speed swings, so compare ratios, not seconds.
"""

import argparse
import logging
import os
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.recommend import ensure_database, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/experthive_reconbench"
TOTAL = 100_000
PAGE = 100
BATCH = 5_000
UNKNOWN_EVERY = 1_000  # one charge in a thousand is one the books don't know (a difference to record)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reseed", action="store_true", help="Drop the benchmark database and seed again.")
    return parser.parse_args()


def reference(i: int) -> str:
    return f"EH-BENCH-{i:08d}"


def drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def seed() -> None:
    from django.utils import timezone

    from payments.models import LedgerEntry, LedgerTransaction, Payment

    if Payment.objects.filter(reference__startswith="EH-BENCH-").count() >= TOTAL:
        return
    engagement, student = bench_engagement()
    now = timezone.now()
    print(f"Seeding {TOTAL:,} payments and their ledger transactions...", flush=True)
    for start in range(0, TOTAL, BATCH):
        ids = range(start, min(start + BATCH, TOTAL))
        # Verified payments of one engagement (only one may succeed; the rest are paid-twice refunds):
        # matching reads each by reference exactly as it reads a credited one.
        Payment.objects.bulk_create(
            Payment(
                engagement=engagement,
                student=student,
                gateway="flutterwave",
                reference=reference(i),
                amount=250_000,
                currency="NGN",
                status=Payment.Status.DUPLICATE,
                gateway_id=str(i),
                verified_at=now,
            )
            for i in ids
        )
        txns = LedgerTransaction.objects.bulk_create(
            LedgerTransaction(idempotency_key=f"bench:{i}", kind="bench", currency="NGN", description="bench")
            for i in ids
        )
        LedgerEntry.objects.bulk_create(
            entry
            for txn in txns
            for entry in (
                LedgerEntry(transaction=txn, account="student_funding", user=student, amount=-250_000, currency="NGN"),
                LedgerEntry(transaction=txn, account="escrow", engagement=engagement, amount=250_000, currency="NGN"),
            )
        )
        print(f"  {start + len(ids):,}", flush=True)


def bench_engagement():
    from accounts.models import User
    from engagements.models import Engagement

    found = Engagement.objects.filter(question__title="Reconciliation benchmark").first()
    if found:
        return found, found.student
    from datetime import timedelta

    from django.utils import timezone

    from bidding.services import place_bid
    from catalog.models import Level, Subject
    from engagements.services import accept_bid
    from questions.services import post_question

    student = User.objects.create_user(email="bench-student@example.com", full_name="Bench Student")
    tutor = User.objects.create_user(email="bench-tutor@example.com", full_name="Bench Tutor", role=User.Role.TUTOR)

    question = post_question(
        student=student,
        title="Reconciliation benchmark",
        body="Synthetic.",
        subject=Subject.objects.order_by("pk")[0],
        level=Level.objects.order_by("pk")[0],
        deadline=timezone.now() + timedelta(days=3),
        budget=250_000,
        currency="NGN",
    )
    bid = place_bid(question=question, tutor=tutor, amount=250_000, message="Synthetic bid.", delivery_hours=24)
    return accept_bid(bid=bid, by=student), student


class SyntheticGateway:
    """Hands out the gateway's records a page at a time, like the adapters' list methods."""

    name = "flutterwave"

    def __init__(self, count: int):
        self.count = count

    def list_charges(self, *, since, until) -> Iterator:
        from payments.gateways.base import Charge

        for page_start in range(0, self.count, PAGE):
            page = [
                Charge(
                    reference=reference(i) if i % UNKNOWN_EVERY else f"OTHER-{i}",
                    gateway_id=str(i),
                    status="succeeded",
                    amount=250_000,
                    currency="NGN",
                )
                for i in range(page_start, min(page_start + PAGE, self.count))
            ]
            yield from page

    def list_all_refunds(self, *, since, until):
        return iter(())

    list_transfers = list_chargebacks = list_all_refunds


def measure(action) -> tuple[float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    args = parse_args()
    if args.reseed:
        drop_database(args.database_url)
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings

    settings.DEBUG = False  # no query log: the memory measured is the comparison's own
    logging.getLogger("payments.reconcile").setLevel(logging.CRITICAL)  # one line per unknown charge
    seed()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'records':>8} {'floor s':>8} {'match s':>8} {'x floor':>8} {'rec/s':>8} {'peak MB':>8}")
    for count in (10_000, 50_000, 100_000):
        one_size(count)


def one_size(count: int) -> None:
    from django.utils import timezone

    from payments.gateways import Gateway
    from payments.models import Discrepancy, Payment, ReconciliationRun
    from payments.services import gateway_records

    gateway = SyntheticGateway(count)
    today = timezone.now().date()

    def read_pages() -> int:
        return sum(len(c) for c in gateway_records.chunks(gateway.list_charges(since=today, until=today), 500))

    floor, _ = measure(read_pages)
    unknown = Discrepancy.objects.filter(key__startswith="flutterwave:OTHER-")
    unknown.delete()
    Payment.objects.filter(reference__startswith="EH-BENCH-").update(seen_in_run=None)
    run = ReconciliationRun.objects.create(since=today, until=today, status=ReconciliationRun.Status.RUNNING)
    elapsed, peak = measure(lambda: gateway_records._compare_one(run, cast(Gateway, gateway)))
    run.refresh_from_db()
    assert run.records_seen == count, run.records_seen
    assert unknown.count() == count // UNKNOWN_EVERY, unknown.count()
    ratio, rate, megabytes = elapsed / floor, count / elapsed, peak / 2**20
    print(f"{count:>8,} {floor:>8.2f} {elapsed:>8.2f} {ratio:>8.1f} {rate:>8,.0f} {megabytes:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
