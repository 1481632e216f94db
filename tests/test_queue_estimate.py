"""The wait estimate on a simulated day: at every arrival the estimator sees
what central sees (who waits, in what order; which counters are busy and
since when) and predicts a range; the day then runs with real, scattered
handling times. Most tickets must start inside their predicted range."""

from __future__ import annotations

import math
import random
import statistics

from central.config import QueueSection
from central.queue.estimate import CounterState, simulate, simulate_starts, wait_range

RATES_PER_HOUR = {"A": 18, "B": 14, "C": 5, "D": 3, "E": 10}


def simulate_day(seed: int, hours: float = 8.0):
    cfg = QueueSection()
    avg = {t.code: t.avg_minutes for t in cfg.types}
    rng = random.Random(seed)
    arrivals = sorted(
        (rng.uniform(0, hours * 60), letter)
        for letter, rate in RATES_PER_HOUR.items()
        for _ in range(int(rate * hours))
    )
    counters = [CounterState(c.number, frozenset(c.types)) for c in cfg.counters]
    free = {c.number: 0.0 for c in counters}
    serving: dict[int, tuple[float, str]] = {}
    waiting: list[int] = []  # indexes into arrivals, in calling order (arrival order here)
    start = [None] * len(arrivals)
    predicted = [None] * len(arrivals)
    sigma = math.sqrt(math.log(1 + 0.5**2))  # lognormal with CV 0.5 around the average

    def advance(until: float) -> None:
        while True:
            best = None
            for c in counters:
                if free[c.number] > until:
                    continue
                pick = next((i for i in waiting if c.serves(arrivals[i][1])), None)
                if pick is not None and (best is None or free[c.number] < free[best[0].number]):
                    best = (c, pick)
            if best is None:
                return
            c, i = best
            begin = max(free[c.number], arrivals[i][0])
            if begin > until:
                return
            waiting.remove(i)
            start[i] = begin
            mean = avg[arrivals[i][1]]
            duration = rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)
            free[c.number] = begin + duration
            serving[c.number] = (begin, arrivals[i][1])

    for i, (t, _letter) in enumerate(arrivals):
        advance(t)
        waiting.append(i)
        view = [
            CounterState(
                c.number,
                c.types,
                max(0.0, serving[c.number][0] + avg[serving[c.number][1]] - t)
                if c.number in serving and free[c.number] > t
                else 0.0,
            )
            for c in counters
        ]
        queue = [arrivals[j][1] for j in waiting]
        predicted[i] = wait_range(queue, len(queue) - 1, view, avg)
    advance(float("inf"))
    waits = [(s - a[0], p) for s, a, p in zip(start, arrivals, predicted, strict=False)]
    return waits


def test_most_tickets_start_inside_their_predicted_range():
    inside, widths, errors = [], [], []
    for seed in range(3):
        for actual, (low, high) in simulate_day(seed):
            inside.append(low - 0.5 <= actual <= high + 0.5)
            widths.append(high - low)
            errors.append(abs(actual - (low + high) / 2))
    coverage = sum(inside) / len(inside)
    print(
        f"coverage {coverage:.0%} over {len(inside)} tickets; median range {statistics.median(widths):.0f} min; "
        f"median error of the midpoint {statistics.median(errors):.1f} min"
    )
    assert coverage >= 0.75
    assert statistics.median(widths) <= 15  # a range narrow enough to plan by


def test_estimates_are_monotonic_in_position():
    cfg = QueueSection()
    avg = {t.code: t.avg_minutes for t in cfg.types}
    counters = [CounterState(c.number, frozenset(c.types)) for c in cfg.counters]
    queue = ["C"] * 20
    lows = [wait_range(queue, p, counters, avg)[0] for p in range(20)]
    assert lows == sorted(lows) and lows[0] == 0 and lows[-1] > 0


def test_one_run_gives_every_types_next_start_as_a_run_per_type_would():
    """`simulate` answers "one more ticket of each type" from one run; it must
    equal running the queue with that ticket appended, type by type."""
    rng = random.Random(7)
    letters = "ABCDE"
    for _ in range(300):
        avg = {letter: rng.choice((2.0, 5.0, 8.5, 12.0)) for letter in letters}
        counters = [
            CounterState(n, frozenset(rng.sample(letters, rng.randint(0, 3))), rng.choice((0.0, 0.0, 3.5)))
            for n in rng.sample(range(1, 9), rng.randint(1, 4))
        ]
        queue = [rng.choice(letters) for _ in range(rng.randint(0, 40))]
        starts, one_more = simulate(queue, counters, avg, 0.85)
        assert starts == simulate_starts(queue, counters, avg, 0.85)
        for letter in letters:
            assert one_more[letter] == simulate_starts([*queue, letter], counters, avg, 0.85)[-1], (queue, letter)
