"""A citizen's phone against central's booking API, as the /book page calls
it: a verification code (read where the log twin of the SMS channel wrote
it, or from a fake gateway), then bookings with the phone's token."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import requests


def id_number(n: int) -> str:
    """The n-th (n < 12,000) of a series of valid resident ID numbers (born on
    the 7th of a month of 1990 in Dongcheng, Beijing; the check digit right),
    for tests and benchmarks."""
    from common.identity import id_check_char

    base = f"1101011990{n // 1000 % 12 + 1:02d}07{n % 1000:03d}"
    return base + id_check_char(base)


def code_from_log(log: Path, masked: str) -> Callable[[], str | None]:
    """The newest code the log twin wrote for a number (masked as it logs it)."""

    def read() -> str | None:
        if not log.exists():
            return None
        for line in reversed(log.read_text(encoding="utf-8").splitlines()):
            entry = json.loads(line)
            if entry["kind"] == "code" and entry["to"] == masked:
                return entry["params"]["code"]
        return None

    return read


class Phone:
    def __init__(self, base_url: str, number: str):
        self.base, self.number = base_url.rstrip("/") + "/api/v1", number
        self.http = requests.Session()

    def verify(self, read_code: Callable[[], str | None], timeout: float = 10) -> None:
        """Ask for a code, read it off the message, confirm it: the phone is signed in."""
        before = read_code()
        r = self.http.post(f"{self.base}/book/code", json={"phone": self.number}, timeout=10)
        assert r.status_code == 200, r.text
        deadline = time.monotonic() + timeout
        code = read_code()
        while code in (None, before) and time.monotonic() < deadline:
            time.sleep(0.05)
            code = read_code()
        assert code and code != before, "no verification code arrived"
        r = self.http.post(f"{self.base}/book/verify", json={"phone": self.number, "code": code}, timeout=10)
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = "Bearer " + r.json()["token"]

    def slots(self, site: str, letter: str, day) -> dict:
        r = self.http.get(f"{self.base}/book/sites/{site}/types/{letter}/slots", params={"day": str(day)}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def book(self, site: str, letter: str, start: str, id_number: str, name: str = "张三", matter=None):
        body = {"site": site, "type": letter, "slot_start": start, "name": name, "id_number": id_number}
        return self.http.post(f"{self.base}/book/bookings", json={**body, "matter_code": matter}, timeout=10)

    def remote(self, site: str, letter: str, id_number: str, name: str = "张三"):
        body = {"site": site, "type": letter, "name": name, "id_number": id_number}
        return self.http.post(f"{self.base}/book/remote", json=body, timeout=10)
