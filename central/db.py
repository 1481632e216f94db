"""Engine, sessions and migrations. SQLite runs in WAL mode; PostgreSQL is
accepted by URL. The schema is owned by Alembic: `upgrade()` runs at start-up."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we say BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A writer that reads first must take the write lock up front:
            # a deferred transaction would fail with SQLITE_BUSY_SNAPSHOT
            # (no waiting) when another process commits in between.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


WRITE_LOCK = threading.Lock()  # one writer per process on SQLite (see writer)


@contextmanager
def writer(engine: Engine):
    """A connection for one write transaction: `with writer(engine) as conn,
    conn.begin(): ...`. On SQLite it takes the write lock at BEGIN, and threads
    of one process queue on a Python lock first: SQLite's own busy handler
    sleeps with back-off, which turns contention into long tail latencies."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            yield conn
        return
    with WRITE_LOCK, engine.connect().execution_options(writer=True) as conn:
        yield conn


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
