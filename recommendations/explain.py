"""One line that says why a card is shown, built only from the evidence the score used."""

from recommendations.ranking import Match, QuestionFacts, TutorFacts
from recommendations.text import TAG_PREFIX

TEXT_EVIDENCE = 0.15  # a text part this large is worth naming
MAX_WORDS = 3


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def shared_words(question: QuestionFacts, tutor: TutorFacts) -> list[str]:
    """The words that contributed most to the text match, strongest first."""
    contributions = {
        term: weight * tutor.profile.get(term, 0.0)
        for term, weight in question.vector.items()
        if not term.startswith(TAG_PREFIX) and term in tutor.profile
    }
    return [term for term, _ in sorted(contributions.items(), key=lambda item: (-item[1], item[0]))[:MAX_WORDS]]


def reason(match: Match, question: QuestionFacts, tutor: TutorFacts, *, subject: str, level: str, you: bool) -> str:
    """`subject` and `level` are display names; `you` speaks to the tutor, otherwise about them."""
    slug = next(iter(sorted(question.subjects)), "")
    done = tutor.subject_wins.get(slug, 0)
    bids = tutor.subject_work.get(slug, 0)
    reviews, stars = tutor.subject_ratings.get(slug, (0, 0))
    have, your = ("You have", "your") if you else ("Has", "their")
    if done:
        rated = f", rated {stars / reviews:.1f}" if reviews else ""
        return f"{have} answered {_plural(done, subject + ' question')}{rated}"
    words = shared_words(question, tutor)
    if words and match.parts.get("text", 0) >= TEXT_EVIDENCE:
        return f"Close to {your} past work on {', '.join(words)}"
    if bids:
        return f"{have} bid on {_plural(bids, subject + ' question')}"
    if slug in tutor.declared_subjects:
        teaches = "You teach" if you else "Teaches"
        at = f" at {level}" if question.level in tutor.declared_levels else ""
        return f"{teaches} {subject}{at}" + ("" if you or not tutor.is_new else " · new tutor")
    if words:
        return f"Mentions {', '.join(words)}, like {your} profile"
    return f"Open {subject} question" if you else f"Available for {subject}"
