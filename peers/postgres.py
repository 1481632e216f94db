"""A private PostgreSQL cluster on 127.0.0.1 for tests and benchmarks: Debian's
server binaries, a fresh data directory, a free port, run as an unprivileged
user (PostgreSQL refuses to run as root). No container, no system service."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from peers.pcscd import free_port

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
USER = "kiosk"
PASSWORD = "kiosk-test"


def server_bin(name: str) -> str:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: apt-get install postgresql")
    return found


def available() -> bool:
    try:
        server_bin("initdb")
    except RuntimeError:
        return False
    return True


class PostgresCluster:
    """`start()`, then `create_database(name)` for a URL per test module or run."""

    def __init__(self, *, max_connections: int = 300, os_user: str = "postgres"):
        self.port = free_port()
        self.max_connections = max_connections
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log = self.root / "postgres.log"
        self._run_as = os_user if os.getuid() == 0 else None
        self._names: set[str] = set()

    def _command(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = list(args)
        if self._run_as:
            argv = ["runuser", "-u", self._run_as, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def start(self) -> PostgresCluster:
        self.socket_dir.mkdir(parents=True)
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            for path in (self.root, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._command(server_bin("initdb"), "-D", str(self.data), "-E", "UTF8", "--locale=C.UTF-8", "-A", "trust")
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c shared_buffers=128MB"
        )
        self._command(server_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")
        self.psql(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}' CREATEDB")
        return self

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._command(
            server_bin("psql"),
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            "postgres" if self._run_as else pwd.getpwuid(os.getuid()).pw_name,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atc",
            sql,
        ).stdout.strip()

    def create_database(self, name: str) -> str:
        """A new empty database owned by the test role; its SQLAlchemy URL."""
        # FILE_COPY copies the template's files instead of writing all its pages to
        # the WAL: a test session makes hundreds of databases
        self.psql(f'CREATE DATABASE "{name}" OWNER {USER} STRATEGY FILE_COPY')
        self._names.add(name)
        return self.url(name)

    def load_sql(self, name: str, path: Path) -> None:
        """Run a plain SQL dump into database `name` as the test role (who then owns what it makes)."""
        result = subprocess.run(
            [
                server_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                USER,
                "-d",
                name,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-f",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PGPASSWORD": PASSWORD},
        )
        if result.returncode != 0:
            raise RuntimeError(f"loading {path.name} failed: {result.stderr.strip()}")

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.data.exists():
            self._command(server_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        # Gigabytes after a test session: removed by a detached process, so the
        # run goes on (a CI run spent 54 s here)
        subprocess.Popen(["rm", "-rf", str(self.root)], start_new_session=True)


class DatabaseFactory:
    """Fresh databases with unique names on one cluster."""

    def __init__(self, cluster: PostgresCluster):
        self.cluster = cluster
        self._count = 0

    def __call__(self, hint: str = "db") -> str:
        self._count += 1
        safe = "".join(c if c.isalnum() else "_" for c in hint.lower())[:40]
        return self.cluster.create_database(f"{safe}_{self._count}_{int(time.time() * 1000) % 100000}")
