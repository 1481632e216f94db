"""Engine, sessions and migrations. SQLite runs in WAL mode; PostgreSQL is
accepted by URL. The schema is owned by Alembic: `upgrade()` runs at start-up."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# Every SQLite connection of central. No automatic checkpoints: SQLite's
# default runs one inside whichever commit crosses 1,000 WAL pages, stalling
# that request (and, on the event loop, every other) for milliseconds;
# WalCheckpointer does it on a thread of its own instead.
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    "busy_timeout=30000",
    "wal_autocheckpoint=0",
)


def make_engine(url: str, section=None) -> Engine:
    """`section`: the [database] settings (pool sizes; PostgreSQL only)."""
    if url.startswith("sqlite:"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we say BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A writer that reads first must take the write lock up front:
            # a deferred transaction would fail with SQLITE_BUSY_SNAPSHOT
            # (no waiting) when another process commits in between.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")

        return engine
    if url.startswith("postgresql:"):
        url = "postgresql+psycopg:" + url[len("postgresql:") :]  # psycopg 3, the driver central ships with
    pool = {}
    if section is not None:
        pool = {
            "pool_size": section.pool_size,
            "max_overflow": section.max_overflow,
            "pool_timeout": section.pool_timeout_s,
        }
    return create_engine(url, pool_pre_ping=True, **pool)


_SERVING_LOOPS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def serve_requests_on(loop: asyncio.AbstractEventLoop) -> None:
    """Mark the event loop that answers requests: a blocking write there is refused."""
    _SERVING_LOOPS.add(loop)


def on_serving_loop() -> bool:
    """Whether this thread is running central's request loop right now."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    return loop in _SERVING_LOOPS


WRITE_LOCK = threading.Lock()  # one writer per process on SQLite (see WriteLock)
_LOCK_FILES: dict[tuple[int, str], int] = {}


class WriteLock:
    """One writer at a time on a SQLite file, across the threads and the
    worker processes of central: threads queue on a Python lock, processes on
    flock(2) of `<db>-writer.lock`, and either wakes the moment the holder is
    done. Left to SQLite's busy handler, a waiting writer sleeps with back-off
    (up to 100 ms a try): contention becomes long tail latencies."""

    def __init__(self, path: str | None):
        self.path: str = path if path and path != ":memory:" else ""

    def _fd(self) -> int:
        key = (os.getpid(), self.path)
        if key not in _LOCK_FILES:
            _LOCK_FILES[key] = os.open(f"{self.path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        return _LOCK_FILES[key]

    def acquire(self, blocking: bool = True) -> bool:
        if blocking and on_serving_loop():
            # waiting here would stall every request of this worker, and can deadlock it for good
            raise RuntimeError("a blocking write on the event loop: run it in a pool thread (see docs/architecture.md)")
        if not WRITE_LOCK.acquire(blocking):
            return False
        if self.path:
            try:
                fcntl.flock(self._fd(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                WRITE_LOCK.release()
                return False
        return True

    def release(self) -> None:
        if self.path:
            fcntl.flock(self._fd(), fcntl.LOCK_UN)
        WRITE_LOCK.release()


@contextmanager
def write_lock(path: str | None):
    """Hold the WriteLock of `path` for a block."""
    lock = WriteLock(path)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


@contextmanager
def writer(engine: Engine):
    """A connection for one write transaction: `with writer(engine) as conn,
    conn.begin(): ...`. On SQLite it holds `write_lock` and takes SQLite's
    write lock at BEGIN (IMMEDIATE)."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            yield conn
        return
    with write_lock(engine.url.database), engine.connect().execution_options(writer=True) as conn:
        yield conn


@contextmanager
def write_session(engine: Engine):
    """An ORM session for a write, serialised like `writer`: on SQLite a
    session that reads first and writes later in a deferred transaction fails
    at once with "database is locked" when another writer got in between;
    this one holds the write lock from its first statement."""
    with writer(engine) as conn, Session(bind=conn, expire_on_commit=False) as session:
        yield session


class WalCheckpointer:
    """Copies the write-ahead log back into the database file twice a second,
    on a daemon thread (SQLite releases the GIL meanwhile). PASSIVE never
    blocks readers or writers; with several worker processes each runs one
    and SQLite lets one checkpoint at a time. When nothing was written since
    the last look and the log is all copied, one TRUNCATE checkpoint empties
    the file: a busy hour's log does not stay on disk through the night."""

    def __init__(self, path: str, *, interval_s: float = 0.5):
        self.path = path
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self.checkpoints = 0
        self.truncations = 0

    def start(self) -> WalCheckpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=1000")
        failing, told_at, last_frames = "", 0.0, -1
        while not self._stop.wait(self.interval_s):
            try:
                busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                self.checkpoints += 1
                if not busy and frames > 0 and frames == copied == last_frames:  # idle, and all copied
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    self.truncations += 1
                    frames = 0
                last_frames = frames
                if failing:
                    log.info("WAL checkpoints of %s work again", self.path)
                failing = ""
            except sqlite3.Error as exc:  # busy, or a full disk: the log grows until the next try
                if str(exc) != failing or time.monotonic() - told_at > 300:  # say so once, not twice a second
                    log.warning("WAL checkpoint of %s failed (retrying): %s", self.path, exc)
                    failing, told_at = str(exc), time.monotonic()
        conn.close()


def libpq_dsn(engine: Engine) -> str | None:
    """The engine's PostgreSQL database as a libpq connection string, for the
    connections psycopg holds outside the pool (LISTEN, asyncio); None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def insert_or_ignore(dialect: str, table):
    """INSERT ... ON CONFLICT DO NOTHING on either engine: make a row if it is
    missing, then lock it with SELECT ... FOR UPDATE (read-then-write made atomic)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).on_conflict_do_nothing()


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


MIGRATION_LOCK = 0x6B696F736C  # pg_advisory_xact_lock key: one `db upgrade` at a time, across nodes


def upgrade(engine: Engine, first_site: dict | None = None) -> None:
    """Bring the schema to the newest revision (idempotent). Nodes starting
    at once take turns: PostgreSQL's advisory lock (held to commit), SQLite's
    write lock; the second finds the schema current and does nothing.
    `first_site`: the site the sites migration seeds (`Site.describe()`)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with writer(engine) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        cfg.attributes["connection"] = conn
        cfg.attributes["first_site"] = first_site
        command.upgrade(cfg, "head")


def hold_lease(engine: Engine, table, name: str, node: str, now, duration) -> bool:
    """Take or renew the lease `name` in `table` (name, holder, until) for
    `node`: ours already, or expired. One node at a time works a background
    job that must not run twice at once (an outbox sending in order)."""
    from sqlalchemy import insert, update
    from sqlalchemy.exc import IntegrityError

    from central.clock import to_db

    until = to_db(now + duration)
    with writer(engine) as conn, conn.begin():
        taken = conn.execute(
            update(table)
            .where(table.c.name == name)
            .where((table.c.holder == node) | (table.c.until < to_db(now)))
            .values(holder=node, until=until)
        ).rowcount
    if taken:
        return True
    try:
        with writer(engine) as conn, conn.begin():
            conn.execute(insert(table).values(name=name, holder=node, until=until))
        return True
    except IntegrityError:  # another node holds it
        return False
