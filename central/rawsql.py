"""The hot paths' SQL (the ticket transaction, the kiosk lookup of every signed
request), run on raw sqlite3 on SQLite or through SQLAlchemy `text()`
elsewhere (PostgreSQL): one implementation of the statements. On SQLite the raw
driver costs a fifth of SQLAlchemy's per-statement machinery, which dominates
at hundreds of tickets a second."""

from __future__ import annotations

import logging
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from central.clock import SQLITE_DATETIME, to_db
from central.db import SQLITE_PRAGMAS, write_lock, writer

log = logging.getLogger(__name__)
T = TypeVar("T")

# A signed request's nonce: written by auth, or inside the ticket transaction
INSERT_NONCE = "INSERT INTO used_nonces (kiosk_id, nonce, seen_at) VALUES (:kiosk_id, :nonce, :seen_at)"
PURGE_NONCES = "DELETE FROM used_nonces WHERE seen_at < :cutoff"


def in_list(prefix: str, values: Iterable[str]) -> tuple[str, dict[str, str]]:
    """`(:p0, :p1, ...)` and its parameters: an IN list for the plain SQL of either engine."""
    params = {f"{prefix}{i}": v for i, v in enumerate(values)}
    return "(" + ", ".join(f":{name}" for name in params) + ")", params


class UniqueViolation(Exception):
    """A unique constraint refused a row (a replayed nonce, a duplicate)."""


class TransientConflict(Exception):
    """PostgreSQL broke a deadlock or a serialization conflict by aborting this
    transaction: running it again from the start succeeds (QueueStore.transact)."""


TRANSIENT_SQLSTATES = ("40P01", "40001")  # deadlock_detected, serialization_failure


class Exec:
    def __init__(self, execute, *, postgres: bool = False):
        self._execute = execute
        self.postgres = postgres  # for the few statements that differ (FOR UPDATE)

    def one(self, sql: str, **params: Any):
        return self._execute(sql, params).fetchone()

    def all(self, sql: str, **params: Any):
        return self._execute(sql, params).fetchall()

    def run(self, sql: str, **params: Any) -> None:
        self._execute(sql, params)

    def count(self, sql: str, **params: Any) -> int:
        """Rows an UPDATE or DELETE changed."""
        return self._execute(sql, params).rowcount

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A unit inside the write transaction that can fail alone (plain SQL
        on SQLite and PostgreSQL): one refused ticket of a batch leaves the
        others committed."""
        self._execute("SAVEPOINT unit", {})
        try:
            yield
        except BaseException:
            self._execute("ROLLBACK TO SAVEPOINT unit", {})
            self._execute("RELEASE SAVEPOINT unit", {})
            raise
        self._execute("RELEASE SAVEPOINT unit", {})


def _naive_utc(value: Any) -> Any:
    """Datetimes are stored as naive UTC on every backend (central.clock)."""
    return to_db(value) if isinstance(value, datetime) else value


_PLAIN = (str, int, float, bytes, type(None))


def _sqlite_value(value: Any) -> Any:
    if type(value) in _PLAIN:  # most parameters: nothing to convert
        return value
    value = _naive_utc(value)
    if isinstance(value, datetime):
        return value.strftime(SQLITE_DATETIME)
    if isinstance(value, date):
        return value.isoformat()
    return value


class SqliteRunner:
    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            for pragma in SQLITE_PRAGMAS:
                conn.execute(f"PRAGMA {pragma}")
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self, *, locked: bool = False) -> Iterator[Exec]:
        """`locked`: the caller already holds this file's WriteLock."""
        conn = self._conn()

        def execute(sql, params):
            try:
                return conn.execute(sql, {k: _sqlite_value(v) for k, v in params.items()})
            except sqlite3.IntegrityError as exc:
                raise UniqueViolation(str(exc)) from None

        with nullcontext() if locked else write_lock(self.path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Exec(execute)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def read(self):
        """Autocommit reads (each statement sees the latest commit)."""
        conn = self._conn()
        return Exec(lambda sql, params: conn.execute(sql, {k: _sqlite_value(v) for k, v in params.items()}))


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache(maxsize=1024)
def _pyformat(sql: str) -> str:
    """`:name` parameters as psycopg's `%(name)s` (a literal % doubled)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class _Cursor:
    """A psycopg cursor's answer, shaped as sqlite3's (fetchone, fetchall, rowcount)."""

    def __init__(self, cursor):
        self.rowcount = cursor.rowcount
        self._rows = cursor.fetchall() if cursor.description is not None else []

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self):
        return self._rows


def _psycopg_execute(driver_connection):
    """Statements straight on psycopg (PostgreSQL): SQLAlchemy's per-statement
    machinery doubles a round trip's cost (0.2 ms against 0.1 ms measured)."""
    import psycopg

    def execute(sql, params):
        try:
            with driver_connection.cursor() as cursor:
                cursor.execute(_pyformat(sql), {k: _naive_utc(v) for k, v in params.items()})
                return _Cursor(cursor)
        except psycopg.errors.IntegrityError as exc:
            raise UniqueViolation(str(exc)) from None
        except psycopg.Error as exc:
            if exc.sqlstate in TRANSIENT_SQLSTATES:
                raise TransientConflict(str(exc).splitlines()[0]) from None
            raise

    return execute


class AlchemyRunner:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def write(self, *, locked: bool = False) -> Iterator[Exec]:
        with writer(self.engine) as conn, conn.begin():
            yield on_connection(conn)

    def read(self):
        """Each statement on its own, in autocommit: no BEGIN and no ROLLBACK
        round trips around a single SELECT (PostgreSQL)."""

        def execute(sql, params):
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                if self.postgres:
                    return _psycopg_execute(conn.connection.driver_connection)(sql, params)
                return _Buffered(conn.execute(text(sql), {k: _naive_utc(v) for k, v in params.items()}).all())

        return Exec(execute, postgres=self.postgres)


def on_connection(conn) -> Exec:
    """Statements in the transaction of a SQLAlchemy connection already open (a
    write that is not on the hot path: audit entries of their own)."""
    if conn.dialect.name == "postgresql":
        return Exec(_psycopg_execute(conn.connection.driver_connection), postgres=True)

    def execute(sql, params):
        try:
            return conn.execute(text(sql), {k: _naive_utc(v) for k, v in params.items()})
        except IntegrityError as exc:
            raise UniqueViolation(str(exc.orig)) from None
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
                raise TransientConflict(str(exc.orig).splitlines()[0]) from None
            raise

    return Exec(execute)


class _Buffered:
    """Rows read before the connection went back to the pool."""

    def __init__(self, rows):
        self._rows = rows

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self):
        return self._rows


def runner_for(engine: Engine):
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return SqliteRunner(engine.url.database)
    return AlchemyRunner(engine)


def transact(runner, work: Callable[[Exec], T], *, locked: bool = False, retries: int = 5) -> T:
    """`work` in one write transaction, run again from the start (after a
    short random pause) when PostgreSQL breaks a deadlock or a serialization
    conflict: `work` must only touch the database. `locked`: the caller holds
    the SQLite file's WriteLock."""
    for attempt in range(retries):
        try:
            with runner.write(locked=locked) as db:
                return work(db)
        except TransientConflict as exc:
            if attempt == retries - 1:
                raise
            log.info("transaction retried after %s (attempt %d)", exc, attempt + 1)
            time.sleep(random.uniform(0.001, 0.01 * (attempt + 1)))
    raise AssertionError("unreachable")
