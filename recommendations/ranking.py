"""The one scoring function: how well a tutor fits a question, with the reason in one line.

Pure Python over plain facts, no database: the site feeds it stored vectors and aggregates, the
offline evaluation feeds it Stack Exchange history, and both directions (questions for a tutor,
tutors for a question) call `score`. Every part is a number in roughly [0, 1] so the weights
read as priorities.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from recommendations.text import Vector, dot

# Priors for shrinking a short record towards the marketplace's typical tutor.
PRIOR_JOBS = 3  # a record counts fully only after a few jobs
PRIOR_RATING = 4.2
PRIOR_RATE = 0.85  # completion and on-time
PRIOR_WIN_RATE = 0.25
PRIOR_RESPONSE_HOURS = 12.0
NEW_TUTOR_JOBS = 3  # fewer jobs than this: "new", eligible for exploration slots


@dataclass(frozen=True)
class QuestionFacts:
    id: int
    vector: Vector
    subjects: frozenset[str]  # the question's subject (site) or tags (evaluation)
    level: str = ""
    budget: int | None = None  # minor units
    currency: str = ""
    hours_left: float | None = None
    owner_id: int | None = None


@dataclass(frozen=True)
class TutorFacts:
    id: int
    profile: Vector = field(default_factory=dict)  # sum of the vectors of questions worked on
    worked: int = 0  # questions worked on (bids placed / answers given)
    subject_work: Mapping[str, int] = field(default_factory=dict)
    subject_wins: Mapping[str, int] = field(default_factory=dict)
    subject_labels: Mapping[str, str] = field(default_factory=dict)
    subject_ratings: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # (reviews, stars total)
    declared_subjects: frozenset[str] = frozenset()
    declared_levels: frozenset[str] = frozenset()
    won: int = 0  # accepted bids / accepted answers
    completed: int = 0
    ended: int = 0  # completed + cancelled or disputed after acceptance
    on_time: int = 0
    reviews: int = 0
    rating_total: int = 0
    response_hours: float | None = None
    recent: int = 0  # questions worked on lately (30 days on the site)
    usual_price: Mapping[str, int] = field(default_factory=dict)  # currency -> median accepted price

    @property
    def is_new(self) -> bool:
        return self.completed + self.won < NEW_TUTOR_JOBS

    @property
    def rating(self) -> float | None:
        return self.rating_total / self.reviews if self.reviews else None


@dataclass(frozen=True)
class Weights:
    """Tuned on the offline evaluation (docs/recommendations.md); fit first, then the record."""

    text: float = 1.0
    subject_history: float = 0.1
    declared_subject: float = 0.35
    declared_level: float = 0.08
    activity: float = 0.6
    record: float = 0.3
    budget: float = 0.1
    deadline: float = 0.05
    text_half: float = 1.0  # the raw relevance at which the text part is half-way to its maximum
    fit_full: float = 0.1  # below this much topical fit, activity and record count only partly


WEIGHTS = Weights()


@dataclass(frozen=True)
class Match:
    question_id: int
    tutor_id: int
    score: float
    parts: Mapping[str, float]


def shrunk(successes: float, trials: float, prior: float, strength: float = PRIOR_JOBS) -> float:
    """Bayesian average: few trials stay near the prior, many speak for themselves."""
    return (successes + prior * strength) / (trials + strength)


def record(tutor: TutorFacts) -> float:
    """Rating, completion, on-time, win rate and response time, each shrunk, averaged in [0, 1]."""
    rating = shrunk(tutor.rating_total, tutor.reviews, PRIOR_RATING)
    completion = shrunk(tutor.completed, tutor.ended, PRIOR_RATE)
    on_time = shrunk(tutor.on_time, tutor.completed, PRIOR_RATE)
    win_rate = shrunk(tutor.won, tutor.worked, PRIOR_WIN_RATE)
    hours = tutor.response_hours if tutor.response_hours is not None else PRIOR_RESPONSE_HOURS
    response = 1 / (1 + shrunk(hours * tutor.worked, tutor.worked, PRIOR_RESPONSE_HOURS) / 24)
    return ((rating - 1) / 4 + completion + on_time + min(1.0, 2 * win_rate) + response) / 5


def subject_history(question: QuestionFacts, tutor: TutorFacts) -> float:
    """The share of the tutor's work in the question's subjects (tags), smoothed for short histories."""
    if not question.subjects or not tutor.worked:
        return 0.0
    best = max(tutor.subject_work.get(subject, 0) + tutor.subject_wins.get(subject, 0) for subject in question.subjects)
    return best / (tutor.worked + 2)


def budget_fit(question: QuestionFacts, tutor: TutorFacts) -> float:
    """1 when the budget covers the tutor's usual price, falling as it drops below; neutral if unknown."""
    usual = tutor.usual_price.get(question.currency) if question.currency else None
    if not usual or not question.budget:
        return 0.5
    return max(0.0, min(1.0, 1 + math.log2(question.budget / usual) / 2))


def deadline_fit(question: QuestionFacts, tutor: TutorFacts) -> float:
    """A question due before the tutor usually answers is a poor fit; unknown is neutral."""
    if question.hours_left is None:
        return 0.5
    needed = 2 * (tutor.response_hours if tutor.response_hours is not None else 2.0) + 1
    return 1.0 if question.hours_left >= needed else max(0.0, question.hours_left / needed)


def score(
    question: QuestionFacts, tutor: TutorFacts, *, relevance: float | None = None, weights: Weights = WEIGHTS
) -> Match:
    """How well `tutor` fits `question`. `relevance` is the raw text dot product when an index
    has already computed it; the question's vector and the tutor's profile give it otherwise."""
    raw = dot(question.vector, tutor.profile) if relevance is None else relevance
    parts = {
        "text": weights.text * raw / (raw + weights.text_half),
        "subject_history": weights.subject_history * subject_history(question, tutor),
        "declared_subject": weights.declared_subject * bool(question.subjects & tutor.declared_subjects),
        "declared_level": weights.declared_level * bool(question.level and question.level in tutor.declared_levels),
    }
    # A busy, well-rated tutor is a better pick only among those who fit the question at all.
    gate = min(1.0, sum(parts.values()) / weights.fit_full)
    parts["activity"] = gate * weights.activity * math.log1p(tutor.recent) / math.log(30)
    parts["record"] = gate * weights.record * record(tutor)
    parts["budget"] = weights.budget * budget_fit(question, tutor)
    parts["deadline"] = weights.deadline * deadline_fit(question, tutor)
    return Match(question_id=question.id, tutor_id=tutor.id, score=sum(parts.values()), parts=parts)


def rank(matches: Iterable[Match], *, by_tutor: bool) -> list[Match]:
    """Best first; ties broken by id so the order is stable."""
    key = (lambda m: (-m.score, m.tutor_id)) if by_tutor else (lambda m: (-m.score, -m.question_id))
    return sorted(matches, key=key)
