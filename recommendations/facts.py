"""Turning stored rows into the scoring function's plain facts (reads only)."""

from django.utils import timezone

from questions.models import Question
from recommendations.models import TutorVector
from recommendations.ranking import QuestionFacts, TutorFacts
from recommendations.text import Vector


def question_facts(question: Question, vector: Vector) -> QuestionFacts:
    hours_left = (question.deadline - timezone.now()).total_seconds() / 3600
    return QuestionFacts(
        id=question.pk,
        vector=vector,
        subjects=frozenset([question.subject.slug]),
        level=question.level.slug,
        budget=question.budget,
        currency=question.currency,
        hours_left=hours_left,
        owner_id=question.student_id,
    )


def tutor_facts(row: TutorVector) -> TutorFacts:
    """Facts stored at indexing time; see services.index_tutor for what each one counts."""
    facts = row.facts
    return TutorFacts(
        id=row.tutor_id,
        profile=row.terms,
        worked=facts.get("worked", 0),
        subject_work=facts.get("subject_work", {}),
        subject_wins=facts.get("subject_wins", {}),
        subject_labels=facts.get("subject_labels", {}),
        subject_ratings={slug: (pair[0], pair[1]) for slug, pair in facts.get("subject_ratings", {}).items()},
        declared_subjects=frozenset(facts.get("declared_subjects", [])),
        declared_levels=frozenset(facts.get("declared_levels", [])),
        won=facts.get("won", 0),
        completed=facts.get("completed", 0),
        ended=facts.get("ended", 0),
        on_time=facts.get("on_time", 0),
        reviews=facts.get("reviews", 0),
        rating_total=facts.get("rating_total", 0),
        response_hours=facts.get("response_hours"),
        recent=facts.get("recent", 0),
        usual_price=facts.get("usual_price", {}),
    )
