"""Reads: recommended questions for a tutor, tutors for a question. A fixed number of queries
whatever the page size; no text is analysed here, only stored vectors are read."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import User
from bidding.models import Bid
from questions.models import Question
from recommendations import explain
from recommendations.facts import question_facts, tutor_facts
from recommendations.index import get_index
from recommendations.models import Impression, Invitation, QuestionVector, TutorVector
from recommendations.ranking import Match, TutorFacts, rank, score
from recommendations.services import signature
from recommendations.text import tag_term

FEED_SIZE = 20
TEXT_CANDIDATES = 80
SUBJECT_CANDIDATES = 60
SUGGESTIONS = 5
EXPLORE_SHARE = 0.2  # of the suggested tutors, this share goes to new tutors who fit well
EXPLORE_MIN = 0.6  # "fit well": at least this share of the best score
EXPOSURE_DAYS = 7
EXPOSURE_SCALE = 50  # a tutor shown this many times in a week loses EXPOSURE_WEIGHT·log(2)
EXPOSURE_WEIGHT = 0.15


@dataclass(frozen=True)
class QuestionCard:
    question: Question
    match: Match
    reason: str
    invited: bool


@dataclass(frozen=True)
class TutorCard:
    tutor: User
    facts: TutorFacts
    match: Match
    reason: str
    invited: bool
    explored: bool


def tutor_row(tutor: User) -> tuple[TutorVector | None, bool]:
    """The tutor's stored vector and whether it is stale (their history changed since)."""
    # The tutor's invitations ride along as one string, saving the feed a query.
    invited = (
        Invitation.objects.filter(tutor_id=OuterRef("tutor_id"))
        .order_by()
        .values("tutor_id")
        .annotate(ids=StringAgg(Cast("question_id", CharField()), delimiter=Value(",")))
        .values("ids")
    )
    row = (
        TutorVector.objects.select_related("tutor__stats")
        .filter(tutor=tutor)
        .annotate(invited_ids=Subquery(invited, output_field=CharField()))
        .first()
    )
    if row is None:
        return None, True
    return row, row.signature != signature(getattr(row.tutor, "stats", None))


# --- Questions for a tutor ----------------------------------------------------------------


def _open_vectors(tutor_id: int):
    invited = Invitation.objects.filter(tutor_id=tutor_id, question_id=OuterRef("question_id"))
    bid_on = Bid.objects.filter(tutor_id=tutor_id, status__in=[Bid.Status.LIVE, Bid.Status.ACCEPTED]).values(
        "question_id"
    )
    return (
        QuestionVector.objects.filter(question__status=Question.Status.OPEN, question__deadline__gt=timezone.now())
        .exclude(question_id__in=bid_on)
        .select_related("question__subject", "question__level")
        .annotate(invited=Exists(invited))
    )


def _invited_ids(row: TutorVector | None, tutor: User) -> list[int]:
    if row is None:  # not indexed yet: read the invitations themselves
        return list(Invitation.objects.filter(tutor_id=tutor.pk).values_list("question_id", flat=True))
    return [int(pk) for pk in (getattr(row, "invited_ids", None) or "").split(",") if pk]


def recommended_questions(row: TutorVector | None, tutor: User, *, size: int = FEED_SIZE) -> list[QuestionCard]:
    facts = tutor_facts(row) if row else TutorFacts(id=tutor.pk)
    text_ids = get_index().questions_for(facts.profile, limit=TEXT_CANDIDATES) if facts.profile else {}
    matched = _open_vectors(tutor.pk).filter(question_id__in=[*text_ids, *_invited_ids(row, tutor)])
    newest = _open_vectors(tutor.pk).filter(question__subject__slug__in=list(facts.declared_subjects))
    candidates = {v.question_id: v for v in matched}
    candidates.update(
        {v.question_id: v for v in newest.order_by("-question__created_at", "-question_id")[:SUBJECT_CANDIDATES]}
    )
    cards = []
    for vector in candidates.values():
        question = question_facts(vector.question, vector.terms)
        match = score(question, facts)
        why = explain.reason(
            match, question, facts, subject=vector.question.subject.name, level=vector.question.level.name, you=True
        )
        if vector.invited:
            why = f"The student invited you to bid · {why}"
        cards.append(QuestionCard(question=vector.question, match=match, reason=why, invited=vector.invited))
    order = {m.question_id: i for i, m in enumerate(rank([c.match for c in cards], by_tutor=False))}
    cards.sort(key=lambda card: (not card.invited, order[card.question.pk]))
    return cards[:size]


# --- Tutors for a question -----------------------------------------------------------------


def question_vector(question: Question) -> tuple[dict[str, float], bool]:
    """The stored vector, or just the subject while the question waits to be indexed."""
    terms = QuestionVector.objects.filter(question=question).values_list("terms", flat=True).first()
    if terms is None:
        return {tag_term(question.subject.slug): 1.0}, False
    return terms, True


def _exposure_penalty(shown: int) -> float:
    return EXPOSURE_WEIGHT * math.log1p(shown / EXPOSURE_SCALE)


def suggested_tutors(question: Question, vector: dict[str, float], *, size: int = SUGGESTIONS) -> list[TutorCard]:
    # The subject always takes part, so tutors who only declared it are found too.
    query = dict(vector)
    query[tag_term(question.subject.slug)] = max(query.get(tag_term(question.subject.slug), 0.0), 1.0)
    ids = get_index().tutors_for(query, limit=TEXT_CANDIDATES)
    since = timezone.now() - timedelta(days=EXPOSURE_DAYS)
    shown = Impression.objects.filter(tutor_id=OuterRef("tutor_id"), shown_at__gte=since).values("tutor_id")
    rows = (
        TutorVector.objects.filter(tutor_id__in=list(ids), tutor__is_active=True)
        .exclude(tutor_id=question.student_id)
        .select_related("tutor")
        .annotate(
            shown=Coalesce(Subquery(shown.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()), 0),
            invited=Exists(Invitation.objects.filter(question=question, tutor_id=OuterRef("tutor_id"))),
        )
    )
    facts = question_facts(question, vector)
    cards = []
    for row in rows:
        tutor = tutor_facts(row)
        match = score(facts, tutor)
        adjusted = Match(match.question_id, match.tutor_id, match.score - _exposure_penalty(row.shown), match.parts)
        why = explain.reason(match, facts, tutor, subject=question.subject.name, level=question.level.name, you=False)
        cards.append(TutorCard(row.tutor, tutor, adjusted, why, row.invited, explored=False))
    return _with_exploration(cards, size)


def _with_exploration(cards: list[TutorCard], size: int) -> list[TutorCard]:
    """The best tutors, with a share of the slots kept for new tutors who fit nearly as well."""
    ordered = sorted(cards, key=lambda card: (-card.match.score, card.tutor.pk))
    reserved = max(1, round(size * EXPLORE_SHARE)) if size > 1 else 0
    chosen = ordered[: size - reserved]
    best = ordered[0].match.score if ordered else 0.0
    newcomers = [c for c in ordered[size - reserved :] if c.facts.is_new and c.match.score >= EXPLORE_MIN * best]
    explored = [TutorCard(c.tutor, c.facts, c.match, c.reason, c.invited, explored=True) for c in newcomers[:reserved]]
    rest = [c for c in ordered[size - reserved :] if c not in newcomers[:reserved]]
    return chosen + explored + rest[: size - len(chosen) - len(explored)]
