"""Waiting for a driver's events in tests and benchmarks."""

from __future__ import annotations

import queue
import time


def wait_event(events: queue.Queue, kinds, timeout: float = 8.0):
    """The next event of `kinds` from a driver's event queue, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.05)
        except queue.Empty:
            continue
        if isinstance(event, kinds):
            return event
    raise AssertionError(f"no {kinds} within {timeout} s")
