"""Writes of the recommendations app: vectors, invitations, the impression log.

It reads the other apps' tables and writes only its own. Vectors are computed here, in a task
enqueued after a question is saved or a tutor's history changes, never while a page renders.
"""

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import TutorProfile, User
from bidding.models import Bid, TutorStats
from core.markup import plain_text
from engagements.models import Engagement
from notifications.services import notify
from questions.models import Question
from recommendations import text
from recommendations.index import get_index
from recommendations.models import Impression, Invitation, QuestionTerm, QuestionVector
from recommendations.ranking import Match
from reviews.models import Review

NOT_YOUR_QUESTION = "Only the student who posted the question can invite tutors."
NOT_OPEN = "This question is no longer taking bids."
NOT_A_TUTOR = "You can only invite tutors."
RECENT_DAYS = 30
COMPLETED_WEIGHT = 2.0  # a question the tutor completed says more about them than one they bid on
PROFILE_WEIGHT = 1.0  # the tutor's own words count as one question


# --- Questions ---------------------------------------------------------------------------


def question_counts(question: Question) -> Counter[str]:
    return text.term_counts(title=question.title, body=plain_text(question.body), tags=[question.subject.slug])


def index_question(*, question: Question) -> text.Vector:
    """Store the question's BM25-weighted vector and postings (IDF from the questions seen so far)."""
    counts = question_counts(question)
    index = get_index()
    idfs, default = index.idfs(list(counts))
    vector = text.weigh(counts, idfs, default_idf=default)
    index.store_question(question_id=question.pk, vector=vector)
    return vector


def unlist_question(*, question_id: int) -> None:
    """A closed question leaves the postings (they find open questions); its vector stays."""
    QuestionTerm.objects.filter(question_id=question_id).delete()


# --- Tutors ------------------------------------------------------------------------------


def signature(stats: TutorStats | None) -> str:
    """Changes whenever the tutor's history does: a bid, a completion, a review."""
    if stats is None:
        return "0"
    return f"{stats.bid_count}:{stats.completed_count}:{stats.review_count}:{stats.rating_total}"


def _profile_vector(profile: TutorProfile | None) -> text.Vector:
    if profile is None:
        return {}
    counts = text.term_counts(
        title=profile.headline,
        body=f"{profile.bio} {profile.qualifications}",
        tags=[subject.slug for subject in profile.subjects.all()],
    )
    idfs, default = get_index().idfs(list(counts))
    return text.weigh(counts, idfs, default_idf=default)


def _history_vector(bids: Sequence[Mapping[str, Any]], completed: set[int], ratings: dict[int, int]) -> text.Vector:
    vectors = dict(
        QuestionVector.objects.filter(question_id__in=[b["question_id"] for b in bids]).values_list(
            "question_id", "terms"
        )
    )
    total: dict[str, float] = {}
    for bid in bids:
        qid = bid["question_id"]
        weight = COMPLETED_WEIGHT if qid in completed else 1.0
        if qid in ratings:
            weight += ratings[qid] / 2.5  # "rated well on": a 5-star job counts 4x a plain bid
        text.add_into(total, vectors.get(qid, {}), weight)
    return total


def _median_prices(engagements: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    by_currency: dict[str, list[int]] = {}
    for row in engagements:
        if row["status"] == Engagement.Status.COMPLETED:
            by_currency.setdefault(row["currency"], []).append(row["amount"])
    return {currency: int(statistics.median(amounts)) for currency, amounts in by_currency.items()}


def tutor_history(tutor: User) -> tuple[text.Vector, dict]:
    """The tutor's profile vector and the facts the scoring reads, from bids, jobs and reviews."""
    bids = list(
        Bid.objects.filter(tutor=tutor).values(
            "question_id", "created_at", "question__subject__slug", "question__subject__name"
        )
    )
    engagements = list(
        Engagement.objects.filter(tutor=tutor).values(
            "question_id", "status", "amount", "currency", "funded_at", "question__subject__slug"
        )
    )
    reviews = list(
        Review.objects.visible()
        .filter(tutor=tutor)
        .values("engagement__question_id", "overall", "engagement__question__subject__slug")
    )
    profile = TutorProfile.objects.filter(user=tutor).prefetch_related("subjects", "levels").first()
    stats = TutorStats.objects.filter(tutor=tutor).first()
    completed = {row["question_id"] for row in engagements if row["status"] == Engagement.Status.COMPLETED}
    ratings = {row["engagement__question_id"]: row["overall"] for row in reviews}
    vector = _history_vector(bids, completed, ratings)
    text.add_into(vector, _profile_vector(profile), PROFILE_WEIGHT)
    subject_ratings: dict[str, list[int]] = {}
    for row in reviews:
        pair = subject_ratings.setdefault(row["engagement__question__subject__slug"], [0, 0])
        pair[0] += 1
        pair[1] += row["overall"]
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    facts = {
        "worked": len(bids),
        "subject_work": Counter(row["question__subject__slug"] for row in bids),
        "subject_wins": Counter(
            row["question__subject__slug"] for row in engagements if row["question_id"] in completed
        ),
        "subject_labels": {row["question__subject__slug"]: row["question__subject__name"] for row in bids},
        "subject_ratings": subject_ratings,
        "declared_subjects": [s.slug for s in profile.subjects.all()] if profile else [],
        "declared_levels": [level.slug for level in profile.levels.all()] if profile else [],
        "won": len(engagements),
        "completed": len(completed),
        "ended": sum(
            1
            for row in engagements
            if row["status"] == "completed" or (row["status"] in ("cancelled", "disputed") and row["funded_at"])
        ),
        "on_time": stats.on_time_count if stats else 0,
        "reviews": len(reviews),
        "rating_total": sum(row["overall"] for row in reviews),
        "response_hours": stats.response_hours if stats else None,
        "recent": sum(1 for row in bids if row["created_at"] >= since),
        "usual_price": _median_prices(engagements),
    }
    for name in ("subject_labels",):
        if profile:
            facts[name].update({s.slug: s.name for s in profile.subjects.all()})
    return text.top(vector, text.MAX_TUTOR_TERMS), facts


def index_tutor(*, tutor: User) -> None:
    vector, facts = tutor_history(tutor)
    stats = TutorStats.objects.filter(tutor=tutor).first()
    get_index().store_tutor(tutor_id=tutor.pk, vector=vector, facts=facts, signature=signature(stats))


# --- Invitations -------------------------------------------------------------------------


@transaction.atomic
def invite_tutor(*, question: Question, tutor: User, by: User) -> Invitation:
    """The student asks a tutor to bid. Inviting twice is harmless: the first invitation stands."""
    if question.student_id != by.pk:
        raise PermissionDenied(NOT_YOUR_QUESTION)
    if not tutor.is_tutor or not tutor.is_active:
        raise ValidationError(NOT_A_TUTOR, code="not_a_tutor")
    question = Question.objects.select_for_update().get(pk=question.pk)
    if not question.is_open:
        raise ValidationError(NOT_OPEN, code="question_closed")
    invitation, created = Invitation.objects.get_or_create(question=question, tutor=tutor, defaults={"invited_by": by})
    if created:
        notify(
            tutor,
            "invited",
            student_name=by.get_short_name(),
            question_title=question.title,
            url=question.get_absolute_url(),
        )
    return invitation


# --- Impressions -------------------------------------------------------------------------


def log_impressions(
    *, viewer: User, surface: str, matches: Sequence[Match], reasons: Sequence[str], explored: set[int]
) -> None:
    """One row per card shown, in one INSERT; outcomes are filled in later by `record_outcomes`."""
    Impression.objects.bulk_create(
        Impression(
            viewer=viewer,
            surface=surface,
            question_id=match.question_id,
            tutor_id=match.tutor_id,
            position=position,
            score=round(match.score, 4),
            reason=reason[:200],
            explored=(match.tutor_id if surface == Impression.Surface.QUESTION_TUTORS else match.question_id)
            in explored,
        )
        for position, (match, reason) in enumerate(zip(matches, reasons, strict=True), start=1)
    )


def record_outcomes(*, since: timedelta = timedelta(days=30)) -> int:
    """What followed each recent impression: did the tutor bid, win, and how were they rated."""
    updated = 0
    pending = Impression.objects.filter(shown_at__gte=timezone.now() - since).filter(
        Q(bid_at=None) | Q(won_at=None) | Q(rating=None)
    )
    for impression in pending.iterator():
        bid = (
            Bid.objects.filter(question_id=impression.question_id, tutor_id=impression.tutor_id)
            .order_by("created_at")
            .first()
        )
        engagement = Engagement.objects.filter(question_id=impression.question_id, tutor_id=impression.tutor_id).first()
        review = Review.objects.filter(engagement=engagement).first() if engagement else None
        new = (
            bid.created_at if bid else None,
            engagement.created_at if engagement else None,
            review.overall if review else None,
        )
        if new != (impression.bid_at, impression.won_at, impression.rating):
            impression.bid_at, impression.won_at, impression.rating = new
            impression.save(update_fields=["bid_at", "won_at", "rating"])
            updated += 1
    return updated


# --- Keeping vectors fresh ---------------------------------------------------------------


def refresh(*, limit: int = 1000) -> dict[str, int]:
    """Index open questions whose vector is missing or older than their last change, and tutors
    whose history changed; log outcomes. Safe to run as often as you like (a periodic job and
    `manage.py refresh_recommendations`)."""
    indexed_questions = 0
    for question in stale_questions()[:limit]:
        index_question(question=question)
        indexed_questions += 1
    indexed_tutors = 0
    for tutor in stale_tutors()[:limit]:
        index_tutor(tutor=tutor)
        indexed_tutors += 1
    # Closed questions keep their vector (history) but leave the postings, which find open ones.
    closed = QuestionTerm.objects.exclude(question__in=Question.objects.open()).values_list("pk", flat=True)
    pruned, _ = QuestionTerm.objects.filter(pk__in=list(closed[:100_000])).delete()
    return {
        "questions": indexed_questions,
        "tutors": indexed_tutors,
        "pruned": pruned,
        "outcomes": record_outcomes(),
    }


def stale_questions() -> QuerySet[Question]:
    """Open questions with no vector, or one indexed before the question last changed (an edit
    or a status change that no task reached: a lost enqueue, a write from the admin)."""
    fresh = QuestionVector.objects.filter(question_id=OuterRef("pk"), indexed_at__gte=OuterRef("updated_at"))
    return Question.objects.open().filter(~Exists(fresh)).select_related("subject")


def stale_tutors() -> list[User]:
    from recommendations.models import TutorVector

    stored = dict(TutorVector.objects.values_list("tutor_id", "signature"))
    tutors = User.objects.filter(role=User.Role.TUTOR, is_active=True).select_related("stats")
    return [tutor for tutor in tutors if stored.get(tutor.pk) != signature(getattr(tutor, "stats", None))]
