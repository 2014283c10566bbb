"""Where vectors live and how candidates are found. `DatabaseIndex` keeps postings (term → rows)
in ordinary tables, so SQLite and PostgreSQL both serve it; a faster backend (a vector store, a
search engine) replaces it by implementing `Index` and naming it in RECOMMENDATIONS_INDEX."""

from typing import Protocol

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from recommendations import text
from recommendations.models import QuestionTerm, QuestionVector, TermStat, TutorTerm, TutorVector

QUERY_TERMS = 24  # the strongest terms of a query are enough to find candidates
# Postings only find candidates (scoring reads the full vectors), so weak entries are left out:
# a common word barely moves a question's score, yet would make its posting list huge.
QUESTION_POSTING_MIN_WEIGHT = 0.05
TUTOR_POSTINGS = 64
PER_TERM = 150  # heaviest postings read per query term


class Index(Protocol):
    def idfs(self, terms: list[str]) -> tuple[dict[str, float], float]: ...

    def store_question(self, *, question_id: int, vector: text.Vector) -> None: ...

    def store_tutor(self, *, tutor_id: int, vector: text.Vector, facts: dict, signature: str) -> None: ...

    def questions_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]: ...

    def tutors_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]: ...


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
        removed = [term for term in old if term not in vector]
        added = [(term, 1) for term in vector if term not in old]
        if removed:  # an edit: an UPSERT of -1 would fail the column's check before it reached the row
            TermStat.objects.filter(term__in=removed, questions__gt=0).update(questions=F("questions") - 1)
        if added:
            with connection.cursor() as cursor:
                cursor.executemany(UPSERT, added)
        QuestionVector.objects.update_or_create(
            question_id=question_id, defaults={"terms": vector, "indexed_at": timezone.now()}
        )
        QuestionTerm.objects.filter(question_id=question_id).delete()
        QuestionTerm.objects.bulk_create(
            QuestionTerm(question_id=question_id, term=term[:64], weight=weight)
            for term, weight in vector.items()
            if weight >= QUESTION_POSTING_MIN_WEIGHT
        )

    @transaction.atomic
    def store_tutor(self, *, tutor_id: int, vector: text.Vector, facts: dict, signature: str) -> None:
        TutorVector.objects.update_or_create(
            tutor_id=tutor_id,
            defaults={"terms": vector, "facts": facts, "signature": signature, "indexed_at": timezone.now()},
        )
        TutorTerm.objects.filter(tutor_id=tutor_id).delete()
        TutorTerm.objects.bulk_create(
            TutorTerm(tutor_id=tutor_id, term=term[:64], weight=weight)
            for term, weight in text.top(vector, TUTOR_POSTINGS).items()
        )

    def questions_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]:
        """Questions sharing the vector's strongest terms, with the dot product over those terms.
        The caller keeps only open ones; closed questions' postings are pruned by the refresh."""
        return _impact_ordered(QuestionTerm, "question_id", vector, limit)

    def tutors_for(self, vector: text.Vector, *, limit: int) -> dict[int, float]:
        """Tutors whose profile shares the vector's strongest terms, with the dot product."""
        return _impact_ordered(TutorTerm, "tutor_id", vector, limit)


def _impact_ordered(model: type[models.Model], key: str, vector: text.Vector, limit: int) -> dict[int, float]:
    """For each strong query term, only its heaviest postings (one index range scan each, all in
    one UNION ALL query): the cost grows with the query, not with the number of rows indexed."""
    items = _strongest(vector)
    if not items:
        return {}
    # Only our own table and column names are interpolated; every value is a parameter.
    table = connection.ops.quote_name(model._meta.db_table)
    one = (
        f"SELECT * FROM (SELECT {key}, weight * %s FROM {table} "  # noqa: S608
        "WHERE term = %s ORDER BY weight DESC LIMIT %s) AS t{n}"
    )
    sql = " UNION ALL ".join(one.format(n=n) for n in range(len(items)))
    params = [value for term, weight in items for value in (weight, term, PER_TERM)]
    totals: dict[int, float] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, contribution in cursor.fetchall():
            totals[pk] = totals.get(pk, 0.0) + contribution
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit])


def get_index() -> Index:
    path = getattr(settings, "RECOMMENDATIONS_INDEX", "recommendations.index.DatabaseIndex")
    return import_string(path)()
