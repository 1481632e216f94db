"""The kiosk's copy of the catalog (SQLite, WAL). Updates from central are
applied in one transaction, so a screen never sees half a catalog; pinyin
keys are computed once per changed matter and kept, so start-up only loads."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.matters import Catalog, CatalogDelta, Department, Matter, Theme
from common.pinyin import Keys, keys_for
from kiosk import storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS departments (code TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS themes (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS matters (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL, category TEXT NOT NULL,
    type_code TEXT NOT NULL, themes TEXT NOT NULL, popularity INTEGER NOT NULL, basic_code TEXT NOT NULL,
    aliases TEXT NOT NULL, keys TEXT NOT NULL, body TEXT NOT NULL);
"""


class CatalogRejected(Exception):
    """An update that would leave the kiosk worse off; the old copy is kept."""


@dataclass(frozen=True)
class MatterSummary:
    """What lists and search need; the full guide is loaded on demand."""

    code: str
    name: str
    department: str
    category: str
    type_code: str
    themes: tuple[str, ...]
    popularity: int
    basic_code: str
    aliases: tuple[str, ...]
    keys: Keys
    alias_keys: tuple[Keys, ...]


@dataclass(frozen=True)
class StoreState:
    version: int
    source: str  # "central", "bundled" or "empty"
    updated_at: str
    matters: int


def _row(m: Matter) -> tuple:
    keys = [keys_for(m.name).to_json()] + [keys_for(a).to_json() for a in m.aliases]
    return (
        m.code,
        m.name,
        m.department,
        m.category,
        m.type_code,
        json.dumps(m.themes),
        m.popularity,
        m.basic_code,
        json.dumps(m.aliases, ensure_ascii=False),
        json.dumps(keys, ensure_ascii=False),
        m.model_dump_json(),
    )


class CatalogStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.damage: storage.Damage | None = None
        try:
            with self._connect() as db:
                storage.check(db)
                db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:  # rebuilt from the bundled copy, then central, on open and sync
            self.damage = storage.Damage(self.path, storage.move_aside(self.path, str(exc)), str(exc))
            with self._connect() as db:
                db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            yield db

    # -- reading -------------------------------------------------------------
    def state(self) -> StoreState:
        with self._connect() as db:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            count = db.execute("SELECT COUNT(*) FROM matters").fetchone()[0]
        return StoreState(int(meta.get("version", 0)), meta.get("source", "empty"), meta.get("updated_at", ""), count)

    def summaries(self) -> list[MatterSummary]:
        """Every matter, most popular first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT code, name, department, category, type_code, themes, popularity, basic_code,"
                " aliases, keys FROM matters ORDER BY popularity DESC, code"
            ).fetchall()
        out = []
        for code, name, dept, cat, type_code, themes, pop, basic, aliases, keys in rows:
            k = [Keys.from_json(x) for x in json.loads(keys)]
            out.append(
                MatterSummary(
                    code,
                    name,
                    dept,
                    cat,
                    type_code,
                    tuple(json.loads(themes)),
                    pop,
                    basic,
                    tuple(json.loads(aliases)),
                    k[0],
                    tuple(k[1:]),
                )
            )
        return out

    def matter(self, code: str) -> Matter | None:
        with self._connect() as db:
            row = db.execute("SELECT body FROM matters WHERE code = ?", (code,)).fetchone()
        return Matter.model_validate_json(row[0]) if row else None

    def departments(self) -> list[Department]:
        with self._connect() as db:
            return [Department.model_validate_json(b) for (b,) in db.execute("SELECT body FROM departments")]

    def themes(self) -> list[Theme]:
        with self._connect() as db:
            return [Theme.model_validate_json(b) for (b,) in db.execute("SELECT body FROM themes ORDER BY rowid")]

    # -- writing -------------------------------------------------------------
    def apply(self, delta: CatalogDelta, *, source: str = "central") -> int:
        """Apply a delta atomically; returns how many matters changed."""
        if delta.full and not delta.matters:
            raise CatalogRejected("the update holds no matters; keeping the current catalog")
        current = self.state()
        if delta.version < current.version and current.source == "central":  # full or not: never roll back
            raise CatalogRejected(f"the update (version {delta.version}) is older than ours ({current.version})")
        rows = [_row(m) for m in delta.matters]  # pinyin before the transaction: keep it short
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if delta.full:
                    db.execute("DELETE FROM matters")
                db.execute("DELETE FROM departments")
                db.execute("DELETE FROM themes")
                db.executemany("INSERT OR REPLACE INTO matters VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
                db.executemany("DELETE FROM matters WHERE code = ?", [(c,) for c in delta.removed])
                db.executemany(
                    "INSERT INTO departments VALUES (?, ?)", [(d.code, d.model_dump_json()) for d in delta.departments]
                )
                db.executemany("INSERT INTO themes VALUES (?, ?)", [(t.id, t.model_dump_json()) for t in delta.themes])
                now = datetime.now(UTC).isoformat(timespec="seconds")
                db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [("version", str(delta.version)), ("source", source), ("updated_at", now)],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return len(rows) + len(delta.removed)

    def seed(self, catalog: Catalog) -> None:
        """Fill an empty store from the bundled sample (a fresh install offline)."""
        self.apply(
            CatalogDelta(
                version=0, full=True, departments=catalog.departments, themes=catalog.themes, matters=catalog.matters
            ),
            source="bundled",
        )
