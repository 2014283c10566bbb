"""A fair price range for a question, from what comparable completed questions actually cost.

Only engagements that ended in approval count: disputed (even if later released), refunded and
cancelled ones say nothing about a fair price. Outliers are dropped with Tukey's fences. While
data is thin a rule of thumb answers instead, and says so.
"""

import statistics
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef

from catalog.models import Level, Subject
from core.money import currency_rules
from engagements.models import Engagement, EngagementEvent

MIN_SAMPLES = 5
SAMPLE_SIZE = 200  # the most recent comparables are enough
STANDARD_WORDS = 120
# Rule of thumb, in multiples of the smallest bid: a typical job, by how advanced the level is.
RULE_BASE_MULTIPLE = 3.0
RULE_LEVEL_STEP = 0.1  # per step up the levels of a system (JSS 1 → JSS 2 ...)


@dataclass(frozen=True)
class PriceHint:
    low: int
    high: int
    currency: str
    samples: int  # 0: from the rule of thumb

    @property
    def from_data(self) -> bool:
        return self.samples > 0


def urgency_factor(hours_left: float | None) -> float:
    if hours_left is None:
        return 1.0
    if hours_left < 6:
        return 1.4
    if hours_left < 24:
        return 1.2
    return 1.0


def length_factor(words: int) -> float:
    """Longer questions cost more, gently: half again at four times the usual length."""
    return max(0.85, min(1.5, (max(words, 1) / STANDARD_WORDS) ** 0.3))


def without_outliers(amounts: list[int]) -> list[int]:
    if len(amounts) < 4:
        return amounts
    q1, _, q3 = statistics.quantiles(amounts, n=4)
    spread = q3 - q1
    return [a for a in amounts if q1 - 1.5 * spread <= a <= q3 + 1.5 * spread]


def comparable_prices(*, subject: Subject, level: Level | None, currency: str) -> list[int]:
    """Accepted prices of completed, never-disputed engagements: same subject and level if there
    are enough, else the same subject at any level."""
    disputed = EngagementEvent.objects.filter(engagement=OuterRef("pk"), to_status=Engagement.Status.DISPUTED)
    base = (
        Engagement.objects.filter(status=Engagement.Status.COMPLETED, currency=currency, question__subject=subject)
        .exclude(Exists(disputed))
        .order_by("-completed_at")
    )
    if level is not None:
        same_level = list(base.filter(question__level=level).values_list("amount", flat=True)[:SAMPLE_SIZE])
        if len(same_level) >= MIN_SAMPLES:
            return same_level
    return list(base.values_list("amount", flat=True)[:SAMPLE_SIZE])


def rule_of_thumb(*, level: Level | None, currency: str) -> tuple[int, int]:
    """A few times the smallest bid, more for advanced levels (positions count up within a system)."""
    steps = (level.position % 100) if level else 5
    typical = currency_rules(currency).min_bid * RULE_BASE_MULTIPLE * (1 + RULE_LEVEL_STEP * steps)
    return int(typical * 0.75), int(typical * 1.5)


def price_hint(
    *, subject: Subject | None, level: Level | None, currency: str, words: int = 0, hours_left: float | None = None
) -> PriceHint | None:
    if subject is None or currency not in settings.CURRENCIES:
        return None
    amounts = without_outliers(comparable_prices(subject=subject, level=level, currency=currency))
    factor = urgency_factor(hours_left) * length_factor(words)
    if len(amounts) >= MIN_SAMPLES:
        q1, _, q3 = statistics.quantiles(amounts, n=4)
        low, high, samples = q1, q3, len(amounts)
    else:
        low, high = rule_of_thumb(level=level, currency=currency)
        samples = 0
    return PriceHint(
        low=_round(low * factor, currency), high=_round(high * factor, currency), currency=currency, samples=samples
    )


def _round(amount: float, currency: str) -> int:
    """To a price people say: whole hundreds of the major unit (₦4,300, not ₦4,287.50)."""
    step = 100 * 100 if currency_rules(currency).min_bid >= 10_000 else 100
    return max(step, round(amount / step) * step)
