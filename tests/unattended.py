"""Helpers for the unattended-operation tests: an enrolled kiosk (config on
disk, real central, a network ESC/POS printer on loopback) and a look into
central's database to check what arrived."""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import REPO, Central, run_cli, write_kiosk_config

TICKET_URL = re.compile(rb"/t/([A-Za-z0-9_-]{16})")


def enrolled_kiosk(central: Central, name: str, directory: Path, printer_port: int, extra: str = "") -> Path:
    """A kiosk config enrolled on `central`, printing tickets to 127.0.0.1:`printer_port`."""
    code = json.loads(central.cli("kiosks", "add", name, "--json").stdout)["code"]
    directory.mkdir(parents=True, exist_ok=True)
    path = write_kiosk_config(directory, central.url)
    path.write_text(path.read_text() + f'[devices]\nticket_printer = "escpos"\nreader = "none"\n'
                    f'document_printer = "none"\n[printer]\nhost = "127.0.0.1"\nport = {printer_port}\n'
                    f"timeout_s = 2.0\n{extra}")
    result = run_cli("kiosk", "--config", str(path), "enroll", code)
    assert result.returncode == 0, result.stderr
    return path


def driver(config: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "peers.kiosk_driver", "--config", str(config), *args],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def drain(config: Path, timeout: float = 60) -> dict:
    proc = driver(config, "drain", "--timeout", str(timeout))
    out, err = proc.communicate(timeout=timeout + 30)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def printed_ids(jobs: list[bytes]) -> list[str]:
    """Ticket ids found on paper (the QR's URL), one per job that got that far."""
    return [m.group(1).decode() for job in jobs for m in [TICKET_URL.search(job)] if m]


def central_db(central: Central) -> sqlite3.Connection:
    return sqlite3.connect(central.config.parent / "central-data" / "central.db")
