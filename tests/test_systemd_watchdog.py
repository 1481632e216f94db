"""The kiosk under systemd's eyes, with a real notify socket: READY=1 once
the app is up, WATCHDOG=1 pings from the UI thread, none while the process
is frozen (systemd would restart it), STOPPING=1 on the way out; and the
rotating log file next to the journal, with ID numbers masked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
from conftest import BIN, write_kiosk_config

pytestmark = pytest.mark.ui


def receive(sock: socket.socket, seconds: float, until: str = "") -> list[str]:
    """Messages for `seconds`, or up to and including the first `until`."""
    got, end = [], time.monotonic() + seconds
    while time.monotonic() < end and (not until or until not in got):
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            got.append(sock.recv(256).decode())
        except TimeoutError:
            break
    return got


def test_ready_watchdog_pings_stop_when_frozen_and_log_file(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    config = write_kiosk_config(tmp_path)
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "1000000", "SDL_VIDEODRIVER": "offscreen"}
    proc = subprocess.Popen(
        [str(BIN / "kiosk"), "--config", str(config), "run", "--offscreen"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = receive(sock, 60, until="READY=1")
        assert first == ["READY=1"]
        pings = receive(sock, 2.5)
        assert pings.count("WATCHDOG=1") >= 3  # every WatchdogSec/2 = 0.5 s
        proc.send_signal(signal.SIGSTOP)  # a hung UI
        assert receive(sock, 1.5) == []
        proc.send_signal(signal.SIGCONT)
        assert "WATCHDOG=1" in receive(sock, 2, until="WATCHDOG=1")
        proc.send_signal(signal.SIGTERM)  # systemctl stop
        assert "STOPPING=1" in receive(sock, 10, until="STOPPING=1") and proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
    log = tmp_path / "kiosk-data" / "logs" / "kiosk.log"
    assert log.is_file() and "screen home" in log.read_text()
