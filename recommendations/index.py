"""Where vectors live and how candidates are found. `DatabaseIndex` keeps postings (term → rows)
in ordinary tables, so SQLite and PostgreSQL both serve it; a faster backend (a vector store, a
search engine) replaces it by implementing `Index` and naming it in RECOMMENDATIONS_INDEX."""

from typing import Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Sum, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from recommendations import text
from recommendations.models import QuestionTerm, QuestionVector, TermStat, TutorTerm, TutorVector

QUERY_TERMS = 24  # the strongest terms of a query are enough to find candidates


class Index(Protocol):
    def idfs(self, terms: list[str]) -> tuple[dict[str, float], float]: ...

    def store_question(self, *, question_id: int, vector: text.Vector) -> None: ...

    def store_tutor(self, *, tutor_id: int, vector: text.Vector, facts: dict, signature: str) -> None: ...

    def questions_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]: ...

    def tutors_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]: ...


def _weights_case(items: list[tuple[str, float]]) -> Case:
    return Case(*[When(term=term, then=Value(weight)) for term, weight in items], output_field=FloatField())


def _strongest(vector: text.Vector) -> list[tuple[str, float]]:
    return sorted(vector.items(), key=lambda item: (-item[1], item[0]))[:QUERY_TERMS]


UPSERT = (
    "INSERT INTO recommendations_termstat (term, questions) VALUES (%s, %s) "
    "ON CONFLICT (term) DO UPDATE SET questions = recommendations_termstat.questions + excluded.questions"
)


class DatabaseIndex:
    def idfs(self, terms: list[str]) -> tuple[dict[str, float], float]:
        """IDF of each term over the questions indexed so far, and the IDF of an unseen term."""
        documents = max(1, QuestionVector.objects.count())
        found = dict(TermStat.objects.filter(term__in=terms).values_list("term", "questions"))
        return {term: text.idf(count, documents) for term, count in found.items()}, text.idf(0, documents)

    @transaction.atomic
    def store_question(self, *, question_id: int, vector: text.Vector) -> None:
        old = QuestionVector.objects.filter(question_id=question_id).values_list("terms", flat=True).first() or {}
        removed = [(term, -1) for term in old if term not in vector]
        added = [(term, 1) for term in vector if term not in old]
        if removed or added:
            with connection.cursor() as cursor:
                cursor.executemany(UPSERT, removed + added)
        QuestionVector.objects.update_or_create(
            question_id=question_id, defaults={"terms": vector, "indexed_at": timezone.now()}
        )
        QuestionTerm.objects.filter(question_id=question_id).delete()
        QuestionTerm.objects.bulk_create(
            QuestionTerm(question_id=question_id, term=term[:64], weight=weight) for term, weight in vector.items()
        )

    @transaction.atomic
    def store_tutor(self, *, tutor_id: int, vector: text.Vector, facts: dict, signature: str) -> None:
        TutorVector.objects.update_or_create(
            tutor_id=tutor_id,
            defaults={"terms": vector, "facts": facts, "signature": signature, "indexed_at": timezone.now()},
        )
        TutorTerm.objects.filter(tutor_id=tutor_id).delete()
        TutorTerm.objects.bulk_create(
            TutorTerm(tutor_id=tutor_id, term=term[:64], weight=weight) for term, weight in vector.items()
        )

    def questions_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]:
        """Open questions sharing the vector's strongest terms, with their dot product."""
        items = _strongest(vector)
        if not items:
            return {}
        rows = (
            QuestionTerm.objects.filter(
                term__in=[term for term, _ in items], question__status="open", question__deadline__gt=timezone.now()
            )
            .values("question_id")
            .annotate(relevance=Sum(F("weight") * _weights_case(items)))
            .order_by("-relevance", "-question_id")[:limit]
        )
        return {row["question_id"]: row["relevance"] for row in rows}

    def tutors_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]:
        """Active tutors whose profile shares the vector's strongest terms, with their dot product."""
        items = _strongest(vector)
        if not items:
            return {}
        rows = (
            TutorTerm.objects.filter(term__in=[term for term, _ in items], tutor__is_active=True, tutor__role="tutor")
            .values("tutor_id")
            .annotate(relevance=Sum(F("weight") * _weights_case(items)))
            .order_by("-relevance", "tutor_id")[:limit]
        )
        return {row["tutor_id"]: row["relevance"] for row in rows}


def get_index() -> Index:
    path = getattr(settings, "RECOMMENDATIONS_INDEX", "recommendations.index.DatabaseIndex")
    return import_string(path)()
