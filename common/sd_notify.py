"""systemd notifications without a dependency (sd_notify(3)): READY=1, WATCHDOG=1,
STOPPING=1. The kiosk pings from its UI thread's clock, central from a probe of
its own /healthz, so a frozen UI or a stuck event loop stops the pings and
systemd restarts the program. Does nothing when not started by systemd (no
NOTIFY_SOCKET)."""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), address)
        return True
    except OSError as exc:
        log.warning("systemd notify %r failed: %s", message, exc)
        return False


def interval_s() -> float | None:
    """Half of WatchdogSec= (systemd passes it as WATCHDOG_USEC), or None."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec or not usec.isdigit() or int(usec) == 0:
        return None
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    return int(usec) / 2_000_000


def enabled() -> bool:
    """Whether systemd listens (the unit is Type=notify)."""
    return bool(os.environ.get("NOTIFY_SOCKET"))
