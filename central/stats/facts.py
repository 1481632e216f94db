"""The measures of one rollup row and the arithmetic on them, no SQL.

Times are kept exactly as sums and maxima (seconds); their distribution as a
histogram of whole minutes up to two hours and ten-minute steps to eight
hours, so medians and percentiles can be added up over any range. A
percentile is the nearest-rank value of that histogram: exact to the minute
below two hours (the lower edge of the minute it fell in)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, fields

from common.ratings import BAD_LEVELS

HISTOGRAM_FINE_UNTIL = 120  # minutes: one bucket a minute below this
HISTOGRAM_STEP = 10  # minutes a bucket above it
HISTOGRAM_CAP = 480  # minutes: everything longer counts here
SATISFIED_LEVELS = (1, 2, 3)  # 非常满意, 满意, 基本满意 (GB/T 39735 order: 1 is best)


# issuing channels, as stored in the rollups
CHANNELS = ("kiosk", "offline", "appointment", "staff")


def bucket(seconds: float) -> int:
    """The histogram bucket (its lower edge in minutes) of a duration."""
    minutes = max(0, int(seconds // 60))
    if minutes < HISTOGRAM_FINE_UNTIL:
        return minutes
    return min(HISTOGRAM_CAP, minutes - minutes % HISTOGRAM_STEP)


def encode(counts: Counter[int]) -> str:
    """`minute:count,...` in key order: compact, and the same on both engines."""
    return ",".join(f"{k}:{v}" for k, v in sorted(counts.items()) if v)


def decode(text: str | None) -> Counter[int]:
    if not text:
        return Counter()
    return Counter({int(k): int(v) for k, v in (item.split(":") for item in text.split(","))})


def percentile(counts: Counter[int], share: float) -> int | None:
    """Nearest rank: the smallest bucket with at least ceil(share * n) values at
    or below it. None for no values."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for key in sorted(counts):
        seen += counts[key]
        if seen >= rank:
            return key
    return max(counts)


def within(counts: Counter[int], minutes: int) -> int:
    """How many values were under `minutes` (exact when `minutes` is a bucket edge)."""
    return sum(v for k, v in counts.items() if k < minutes)


@dataclass
class Facts:
    """Additive measures of one site-day (or month) and dimension key."""

    issued: int = 0
    issued_kiosk: int = 0
    issued_offline: int = 0
    issued_appointment: int = 0
    issued_staff: int = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    unserved: int = 0  # still waiting when the day closed (or now, for today)
    wait_n: int = 0
    wait_sum: int = 0  # seconds
    wait_max: int = 0
    handle_n: int = 0
    handle_sum: int = 0
    handle_max: int = 0
    rated: int = 0
    rating_sum: int = 0
    satisfied: int = 0
    bad: int = 0
    prints: int = 0  # certificates printed (kiosks)
    wait_hist: Counter[int] = field(default_factory=Counter)
    handle_hist: Counter[int] = field(default_factory=Counter)
    arrivals: Counter[int] = field(default_factory=Counter)  # weekday * 24 + local hour -> tickets

    def add(self, other: Facts) -> Facts:
        for f in NUMBERS:
            if f.endswith("_max"):
                setattr(self, f, max(getattr(self, f), getattr(other, f)))
            else:
                setattr(self, f, getattr(self, f) + getattr(other, f))
        for f in HISTOGRAMS:
            getattr(self, f).update(getattr(other, f))
        return self

    def rate(self, level: int) -> None:
        self.rated += 1
        self.rating_sum += level
        self.satisfied += level in SATISFIED_LEVELS
        self.bad += level in BAD_LEVELS

    def is_empty(self) -> bool:
        return not any(getattr(self, f) for f in NUMBERS)

    def row(self) -> dict[str, int | str]:
        """The values of a rollup row (histograms encoded)."""
        values: dict[str, int | str] = {f: getattr(self, f) for f in NUMBERS}
        values.update({f: encode(getattr(self, f)) for f in HISTOGRAMS})
        return values

    @classmethod
    def from_row(cls, row: dict) -> Facts:
        """From a rollup row; the histograms it lacks stay empty (a report reads only those it shows)."""
        facts = cls()
        for f in NUMBERS:
            setattr(facts, f, int(row[f] or 0))
        for f in HISTOGRAMS:
            if f in row:
                setattr(facts, f, decode(row[f]))
        return facts


HISTOGRAMS = ("wait_hist", "handle_hist", "arrivals")
NUMBERS = tuple(f.name for f in fields(Facts) if f.name not in HISTOGRAMS)
