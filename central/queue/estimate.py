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


def simulate_starts(queue: list[str], counters: list[CounterState], avg_minutes: dict[str, float],
                    factor: float = 1.0) -> list[float | None]:
    """Minutes until each ticket in `queue` (types, in calling order) starts;
    None for a type no open counter serves. O(tickets x types)."""
    starts: list[float | None] = [None] * len(queue)
    heads: dict[str, deque[int]] = {}
    for i, letter in enumerate(queue):
        heads.setdefault(letter, deque()).append(i)
    heap = [(c.free_in_min, c.number, c) for c in counters]
    heapq.heapify(heap)
    while heap and heads:
        free_at, number, counter = heapq.heappop(heap)
        served = [q for letter, q in heads.items() if counter.serves(letter)]
        if not served:
            continue  # nothing this counter serves is waiting: it drops out
        queue_of_next = min(served, key=lambda q: q[0])
        pick = queue_of_next.popleft()
        if not queue_of_next:
            del heads[queue[pick]]
        starts[pick] = free_at
        heapq.heappush(heap, (free_at + avg_minutes[queue[pick]] * factor, number, counter))
    return starts


def wait_range(queue: list[str], position: int, counters: list[CounterState],
               avg_minutes: dict[str, float]) -> tuple[int, int] | None:
    """(low, high) minutes for the ticket at `position` in `queue`."""
    low = simulate_starts(queue[:position + 1], counters, avg_minutes, FAST)[position]
    high = simulate_starts(queue[:position + 1], counters, avg_minutes, SLOW)[position]
    if low is None or high is None:
        return None
    return int(low), int(high + MARGIN_MIN + 0.999)
