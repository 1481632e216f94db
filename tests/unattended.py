"""Helpers for the unattended-operation tests: the kiosk driver process, and
a look into central's database to check what arrived. (An enrolled kiosk
comes from peers.kiosk_setup.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO, Central

from peers.escpos_printer import FakeNetworkPrinter

TICKET_URL = re.compile(rb"/t/([A-Za-z0-9_-]{16})")


@contextmanager
def hall_with_printer(directory: Path, queue: str) -> Iterator[tuple[Central, FakeNetworkPrinter]]:
    """A real central with these `[queue]` settings, and a network ESC/POS
    printer on loopback for its kiosks."""
    server = Central(directory, extra=f"[queue]\n{queue}\n")
    server.start()
    printer = FakeNetworkPrinter()
    try:
        yield server, printer
    finally:
        printer.close()
        server.stop()


def not_measured() -> dict:
    """The environment without coverage's subprocess hook, for a process the test SIGKILLs:
    it would save no coverage data anyway, and measuring it only slows the kills down."""
    return {k: v for k, v in os.environ.items() if k != "COVERAGE_PROCESS_CONFIG"}


def driver(config: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "peers.kiosk_driver", "--config", str(config), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def drain(config: Path, timeout: float = 60) -> dict:
    proc = driver(config, "drain", "--timeout", str(timeout))
    out, err = proc.communicate(timeout=timeout + 30)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def printed_ids(jobs: list[bytes]) -> list[str]:
    """Ticket ids found on paper (the QR's URL), one per job that got that far."""
    return [m.group(1).decode() for job in jobs for m in [TICKET_URL.search(job)] if m]


def central_db(central: Central):
    """Its database on either engine (sqlite3-style execute)."""
    return central.db()
