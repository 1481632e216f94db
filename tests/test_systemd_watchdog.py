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

from peers.events import receive_datagrams

pytestmark = pytest.mark.ui


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
        first = receive_datagrams(sock, 60, until="READY=1")
        assert first == ["READY=1"]
        pings: list[str] = []
        deadline = time.monotonic() + 15  # every WatchdogSec/2 = 0.5 s; the first frames of a loaded machine are slow
        while pings.count("WATCHDOG=1") < 3 and time.monotonic() < deadline:
            pings += receive_datagrams(sock, 0.5)
        assert pings.count("WATCHDOG=1") >= 3, pings
        proc.send_signal(signal.SIGSTOP)  # a hung UI
        receive_datagrams(sock, 0.3)  # a ping sent just before the stop may still be in the socket
        assert receive_datagrams(sock, 1.5) == []
        proc.send_signal(signal.SIGCONT)
        assert "WATCHDOG=1" in receive_datagrams(sock, 2, until="WATCHDOG=1")
        proc.send_signal(signal.SIGTERM)  # systemctl stop
        assert "STOPPING=1" in receive_datagrams(sock, 10, until="STOPPING=1") and proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
    log = tmp_path / "kiosk-data" / "logs" / "kiosk.log"
    assert log.is_file() and "screen home" in log.read_text()
