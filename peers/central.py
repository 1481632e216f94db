"""A real `kiosk-central serve` process on 127.0.0.1, for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from peers import process
from peers.pcscd import free_port

BIN = Path(sys.executable).parent
# Where a Central's database comes from: None, a SQLite file in its data directory;
# else a callable that makes a fresh database and returns its URL (tests on
# PostgreSQL set it, see tests/conftest.py and peers/postgres.py).
DATABASES: Callable[[str], str] | None = None


def run_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], capture_output=True, text=True, env=full_env, timeout=timeout
    )


class Central:
    """A real `kiosk-central serve` process on 127.0.0.1."""

    # Tests and benchmarks take hundreds of tickets from one kiosk: the per-kiosk
    # ticket limit is off unless `extra` has a [security] section of its own
    # (tests/test_stolen_kiosk.py checks the limit).
    NO_TICKET_LIMIT = "[security]\ntickets_per_minute = 0\n"

    def __init__(
        self,
        directory: Path,
        *,
        workers: int = 1,
        extra: str = "",
        server: str = "",
        database_url: str | None = None,
        secrets_dir: Path | None = None,
    ):
        """`extra`: more TOML sections; `server`: more lines for the [server] section;
        `database_url` and `secrets_dir`: shared with another Central (a second node)."""
        if "[security]" not in extra:
            extra = f"{extra}\n{self.NO_TICKET_LIMIT}"
        if database_url is None and DATABASES is not None and "[database]" not in extra:
            database_url = DATABASES(directory.name)
        self.database_url = database_url or ""
        if database_url:
            extra = f'{extra}\n[database]\nurl = "{database_url}"\n'
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        directory.mkdir(parents=True, exist_ok=True)
        self.config = directory / "central.toml"
        self.config.write_text(
            f'[server]\nport = {self.port}\npublic_url = "{self.url}"\nworkers = {workers}\n{server}\n'
            f'[storage]\ndata_dir = "{directory / "central-data"}"\n'
            + (f'secrets_dir = "{secrets_dir}"\n' if secrets_dir else "")
            + extra
        )
        self.log = directory / "central.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "kiosk-central"), "--config", str(self.config), "serve"],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"central exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=0.5).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("central did not start in 30 s")

    def stop(self) -> None:
        process.stop(self.proc)

    def db(self) -> CentralDatabase:
        """Its database, whichever engine, for a test to look at what it stored."""
        url = self.database_url or f"sqlite:///{self.config.parent / 'central-data' / 'central.db'}"
        return CentralDatabase(url)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return run_cli("kiosk-central", "--config", str(self.config), *args)


class _Rows:
    def __init__(self, rows: list[tuple]):
        self.rows = rows

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows

    def __iter__(self):
        return iter(self.rows)


class CentralDatabase:
    """sqlite3-style `execute(sql, params)` with `?` placeholders on SQLite or
    PostgreSQL; each statement commits. Use as a context manager."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine

        self.engine = create_engine(url)

    def execute(self, sql: str, params: tuple = ()) -> _Rows:
        from sqlalchemy import text

        parts = sql.split("?")
        named = "".join(part + (f":p{i}" if i < len(parts) - 1 else "") for i, part in enumerate(parts))
        with self.engine.begin() as conn:
            result = conn.execute(text(named), {f"p{i}": value for i, value in enumerate(params)})
            return _Rows([tuple(row) for row in result] if result.returns_rows else [])

    def __enter__(self) -> CentralDatabase:
        return self

    def __exit__(self, *exc) -> None:
        self.engine.dispose()
