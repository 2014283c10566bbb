"""Text relevance without heavy dependencies: tokens, BM25-weighted sparse vectors, dot products.

A vector is a plain dict {term: weight}. Questions get an L2-normalised vector when they are
saved; a tutor's vector is the sum of the vectors of the questions they have worked on. The
same functions serve the site (vectors stored in the database) and the offline evaluation.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

Vector = dict[str, float]

MAX_QUESTION_TERMS = 48  # enough for a long question; keeps rows and postings small
MAX_TUTOR_TERMS = 160
TAG_PREFIX = "#"  # subject and tag terms live beside words without colliding with them
TAG_WEIGHT = 2.0  # a shared subject says more than a shared word
TITLE_WEIGHT = 2  # the title says what the question is about; count its words twice

_STOPWORDS = """a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each even ever every few for
from further get gets getting give got had has have having he her here hers him his how however i if in
into is it its itself just know let like make many may me might more most much must my need no nor not
now of off on once one only or other our ours out over own please point really right same say see
should so some such than thank thanks that the their theirs them then there these they thing things
think this those through to too try trying two under until up us use used using very want was way we
well were what when where which while who whom why will with would yes yet you your yours ive im dont
doesnt cant isnt id youre its thats theres whats hi hello help question questions"""
STOPWORDS = frozenset(_STOPWORDS.split())
WORD = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """A light plural folding: 'equations' and 'equation' are one term; no dictionary needed."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    return [stem(word) for word in WORD.findall(text.lower()) if len(word) > 1 and word not in STOPWORDS]


def tag_term(tag: str) -> str:
    return TAG_PREFIX + tag.strip().lower()


def term_counts(*, title: str, body: str, tags: Iterable[str] = ()) -> Counter[str]:
    counts = Counter(tokens(body))
    for word in tokens(title):
        counts[word] += TITLE_WEIGHT
    for tag in tags:
        if tag.strip():
            counts[tag_term(tag)] += 1
    return counts


def idf(document_frequency: int, documents: int) -> float:
    """BM25's inverse document frequency, floored so no term weighs less than nothing."""
    return math.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def weigh(counts: Mapping[str, int], idfs: Mapping[str, float], *, default_idf: float) -> Vector:
    """(1 + log tf) · idf per term, tags boosted, the strongest terms kept, L2-normalised."""
    raw = {}
    for term, count in counts.items():
        weight = (1 + math.log(count)) * idfs.get(term, default_idf)
        raw[term] = weight * (TAG_WEIGHT if term.startswith(TAG_PREFIX) else 1.0)
    return normalise(top(raw, MAX_QUESTION_TERMS))


def top(vector: Mapping[str, float], size: int) -> Vector:
    if len(vector) <= size:
        return dict(vector)
    return dict(sorted(vector.items(), key=lambda item: (-item[1], item[0]))[:size])


def normalise(vector: Mapping[str, float]) -> Vector:
    length = math.sqrt(sum(weight * weight for weight in vector.values()))
    return {term: weight / length for term, weight in vector.items()} if length else {}


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def add_into(total: dict[str, float], vector: Mapping[str, float], scale: float = 1.0) -> None:
    for term, weight in vector.items():
        total[term] = total.get(term, 0.0) + weight * scale
