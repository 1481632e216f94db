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


def wait_until(predicate, timeout: float = 20.0, what: str = "condition", every: float = 0.02):
    """Poll `predicate` until it returns something true, and return that; fail after `timeout`.

    For state that no event announces (a file appears, a server answers): the
    timeout is a ceiling for a loaded machine, never a guess at how long it takes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def receive_datagrams(sock, seconds: float, until: str = "") -> list[str]:
    """What a datagram socket (a stand-in for systemd's notify socket) receives for
    `seconds`, or up to and including the first message `until`."""
    got: list[str] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end and (not until or until not in got):
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            got.append(sock.recv(256).decode())
        except TimeoutError:
            break
    return got
