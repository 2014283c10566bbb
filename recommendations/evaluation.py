"""Offline evaluation on a Stack Exchange site directory (see the command's help for the format).

Protocol, fixed so that figures compare: questions sorted by id (ids grow with time); the first
80% train, the last 20% test. The target of a test question is its accepted answerer; the
candidates are everyone who answered in the training part, and every candidate is ranked. Test
questions whose accepted answerer never answered in training are left out and counted as cold.

The ranker is the site's own: the same `text` vectors and the same `ranking.score`, fed with the
site's facts mapped from Stack Exchange (answerers are tutors, tags are subjects, answers are bids,
accepted answers are won and completed jobs).
"""

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from recommendations import ranking, text

TRAIN_SHARE = 0.8
RECENT_SHARE = 0.1  # the last tenth of the training period counts as "recent" activity
ACCEPTED_WEIGHT = 2.0  # a question someone won counts double in their profile ("rated well on")
FILES = ("Q_title.txt", "Q_content.txt", "Q_tags.txt", "Q_A.txt", "Q_ACC_A.txt")


@dataclass
class Question:
    id: int
    title: str = ""
    body: str = ""
    tags: list[str] = field(default_factory=list)
    answerers: list[int] = field(default_factory=list)
    accepted: int | None = None


def _lines(path: Path) -> Iterable[tuple[int, str]]:
    """(question id, rest of line) for each line whose first column is an id."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            head, _, rest = line.strip().partition(" ")
            if head.isdigit():
                yield int(head), rest.strip()


def load_site(directory: Path) -> list[Question]:
    """Questions joined on id across the site's files, sorted by id."""
    missing = [name for name in ("Q_title.txt", "Q_ACC_A.txt") if not (directory / name).exists()]
    if missing:
        raise FileNotFoundError(f"{directory} is not a site directory: missing {', '.join(missing)}")
    questions: dict[int, Question] = defaultdict(lambda: Question(id=0))

    def get(qid: int) -> Question:
        question = questions[qid]
        question.id = qid
        return question

    for qid, rest in _lines(directory / "Q_title.txt"):
        get(qid).title = rest
    for qid, rest in _lines(directory / "Q_content.txt"):
        get(qid).body = rest
    for qid, rest in _lines(directory / "Q_tags.txt"):
        get(qid).tags = rest.split()
    for qid, rest in _lines(directory / "Q_A.txt"):
        if rest.isdigit():
            get(qid).answerers.append(int(rest))
    for qid, rest in _lines(directory / "Q_ACC_A.txt"):
        if rest.isdigit():
            get(qid).accepted = int(rest)
    return sorted(questions.values(), key=lambda question: question.id)


def split(questions: list[Question]) -> tuple[list[Question], list[Question]]:
    cut = int(len(questions) * TRAIN_SHARE)
    return questions[:cut], questions[cut:]


def who_answered(question: Question) -> set[int]:
    people = set(question.answerers)
    if question.accepted is not None:
        people.add(question.accepted)
    return people


# --- The site's ranker, fed with Stack Exchange facts --------------------------------------


def _question_vectors(train: list[Question], test: list[Question]) -> dict[int, text.Vector]:
    counts = {q.id: text.term_counts(title=q.title, body=q.body, tags=q.tags) for q in train + test}
    df = Counter(term for q in train for term in counts[q.id])  # the corpus the site knows: the past
    documents = max(1, len(train))
    idfs = {term: text.idf(freq, documents) for term, freq in df.items()}
    default = text.idf(1, documents)
    return {qid: text.weigh(c, idfs, default_idf=default) for qid, c in counts.items()}


def _tutor_facts(train: list[Question], vectors: dict[int, text.Vector]) -> dict[int, ranking.TutorFacts]:
    profile: dict[int, dict[str, float]] = defaultdict(dict)
    worked: Counter[int] = Counter()
    won: Counter[int] = Counter()
    recent: Counter[int] = Counter()
    subject_work: dict[int, Counter[str]] = defaultdict(Counter)
    subject_wins: dict[int, Counter[str]] = defaultdict(Counter)
    recent_from = int(len(train) * (1 - RECENT_SHARE))
    for position, question in enumerate(train):
        for person in who_answered(question):
            accepted = person == question.accepted
            text.add_into(profile[person], vectors[question.id], ACCEPTED_WEIGHT if accepted else 1.0)
            worked[person] += 1
            won[person] += accepted
            recent[person] += position >= recent_from
            subject_work[person].update(question.tags)
            if accepted:
                subject_wins[person].update(question.tags)
    return {
        person: ranking.TutorFacts(
            id=person,
            profile=text.top(profile[person], text.MAX_TUTOR_TERMS),
            worked=worked[person],
            subject_work=subject_work[person],
            subject_wins=subject_wins[person],
            won=won[person],
            completed=won[person],
            ended=won[person],
            recent=recent[person],
        )
        for person in worked
    }


def ranker(train: list[Question], test: list[Question]) -> Callable[[Question], list[int]]:
    vectors = _question_vectors(train, test)
    tutors = _tutor_facts(train, vectors)

    def rank(question: Question) -> list[int]:
        facts = ranking.QuestionFacts(id=question.id, vector=vectors[question.id], subjects=frozenset(question.tags))
        matches = [ranking.score(facts, tutor) for tutor in tutors.values()]
        return [match.tutor_id for match in ranking.rank(matches, by_tutor=True)]

    return rank


# --- Baselines -----------------------------------------------------------------------------


def popularity(train: list[Question], test: list[Question]) -> Callable[[Question], list[int]]:
    answers = Counter(person for question in train for person in who_answered(question))
    order = [person for person, _ in sorted(answers.items(), key=lambda item: (-item[1], item[0]))]
    return lambda question: order


def tfidf(train: list[Question], test: list[Question]) -> Callable[[Question], list[int]]:
    """Plain TF-IDF: one document per answerer (the text of what they answered), cosine to the question."""
    documents: dict[int, Counter[str]] = defaultdict(Counter)
    for question in train:
        words = text.tokens(f"{question.title} {question.body}")
        for person in who_answered(question):
            documents[person].update(words)
    df = Counter(term for words in documents.values() for term in words)
    idfs = {term: math.log(len(documents) / freq) for term, freq in df.items()}

    def vector(counts: Counter[str]) -> text.Vector:
        return text.normalise({t: (1 + math.log(c)) * idfs[t] for t, c in counts.items() if t in idfs})

    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for person, counts in documents.items():
        for term, weight in vector(counts).items():
            postings[term].append((person, weight))
    people = sorted(documents)

    def rank(question: Question) -> list[int]:
        scores = dict.fromkeys(people, 0.0)
        for term, weight in vector(Counter(text.tokens(f"{question.title} {question.body}"))).items():
            for person, other in postings[term]:
                scores[person] += weight * other
        return sorted(people, key=lambda person: (-scores[person], person))

    return rank


# --- Metrics -------------------------------------------------------------------------------

METHODS = {"ranker": ranker, "popularity": popularity, "tfidf": tfidf}


def metrics(ranks: list[int]) -> dict[str, float]:
    count = max(1, len(ranks))
    return {
        "p_at_1": round(sum(r == 1 for r in ranks) / count, 4),
        "recall_at_10": round(sum(r <= 10 for r in ranks) / count, 4),
        "mrr": round(sum(1 / r for r in ranks) / count, 4),
    }


def evaluate(directory: Path, methods: Iterable[str] = tuple(METHODS)) -> dict:
    train, test = split(load_site(directory))
    candidates = {person for question in train for person in who_answered(question)}
    targets = [question for question in test if question.accepted is not None]
    warm = [question for question in targets if question.accepted in candidates]
    result: dict = {}
    for name in methods:
        rank = METHODS[name](train, test)
        positions = []
        for question in warm:
            target = question.accepted
            assert target is not None  # warm questions have an accepted answerer
            positions.append(rank(question).index(target) + 1)
        result[name] = metrics(positions)
    result["cold_share"] = round((len(targets) - len(warm)) / len(targets), 4) if targets else 0.0
    result["test_questions"] = len(warm)
    return result
