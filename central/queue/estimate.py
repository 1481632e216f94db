"""Estimated waits by simulating the queue ahead: every open counter takes,
in turn, the first waiting ticket of the types it serves; each ticket takes
its type's average handling time. A range comes from running the simulation
with faster and slower handling. Pure functions, tested on a simulated day."""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

FAST, SLOW = 0.85, 1.2  # handling-time factors for the low and high ends (tuned on simulated days)
MARGIN_MIN = 3.0  # added to the high end: a walk to the counter, a slow start


@dataclass(frozen=True)
class CounterState:
    number: int
    types: frozenset[str]  # empty: serves every type
    free_in_min: float = 0.0  # when its current citizen is expected to be done

    def serves(self, ticket_type: str) -> bool:
        return not self.types or ticket_type in self.types


def simulate_starts(
    queue: list[str], counters: list[CounterState], avg_minutes: dict[str, float], factor: float = 1.0
) -> list[float | None]:
    """Minutes until each ticket in `queue` (types, in calling order) starts;
    None for a type no open counter serves. O(tickets x types)."""
    return simulate(queue, counters, avg_minutes, factor)[0]


def simulate(
    queue: list[str], counters: list[CounterState], avg_minutes: dict[str, float], factor: float = 1.0
) -> tuple[list[float | None], dict[str, float | None]]:
    """`simulate_starts`, and for every type the start of one more ticket of
    it taken now: the first moment a counter serving it has nothing ahead
    left. A ticket added last changes no earlier start (every counter takes
    the earliest ticket it serves), so one run answers for all types at once
    instead of one run per type."""
    starts: list[float | None] = [None] * len(queue)
    heads: dict[str, deque[int]] = {}
    for i, letter in enumerate(queue):
        heads.setdefault(letter, deque()).append(i)
    heap = [(c.free_in_min, c.number, n, c) for n, c in enumerate(counters)]
    heapq.heapify(heap)
    idle_from: list[float] = [0.0] * len(counters)  # when each counter runs out of tickets it serves
    while heap and heads:
        free_at, number, n, counter = heapq.heappop(heap)
        served = [q for letter, q in heads.items() if counter.serves(letter)]
        if not served:
            idle_from[n] = free_at  # nothing this counter serves is waiting: it drops out
            continue
        queue_of_next = min(served, key=lambda q: q[0])
        pick = queue_of_next.popleft()
        if not queue_of_next:
            del heads[queue[pick]]
        starts[pick] = free_at
        heapq.heappush(heap, (free_at + avg_minutes[queue[pick]] * factor, number, n, counter))
    for free_at, _number, n, _counter in heap:
        idle_from[n] = free_at
    one_more = {
        letter: min((idle_from[n] for n, c in enumerate(counters) if c.serves(letter)), default=None)
        for letter in avg_minutes
    }
    return starts, one_more


def wait_range(
    queue: list[str], position: int, counters: list[CounterState], avg_minutes: dict[str, float]
) -> tuple[int, int] | None:
    """(low, high) minutes for the ticket at `position` in `queue`."""
    low = simulate_starts(queue[: position + 1], counters, avg_minutes, FAST)[position]
    high = simulate_starts(queue[: position + 1], counters, avg_minutes, SLOW)[position]
    if low is None or high is None:
        return None
    return int(low), int(high + MARGIN_MIN + 0.999)
