"""The staff audit trail: one entry for each staff and administrator action
(who, with which role, at which site, when, what), append-only and
tamper-evident.

Each entry carries the hash of the one before it and its own hash over its
contents and that link (SHA-256), so an edited, removed or reordered entry
breaks the chain at that point; `audit_head` holds the newest hash, so a
removed tail is found too. `verify` walks the chain and names the first broken
link (`kiosk-central audit verify`). Appending is serialised across nodes:
the head row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's one
writer) while the next entry is written, so two nodes never chain two entries
to the same predecessor.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection, Engine

from central.clock import db_now
from central.db import writer
from central.rawsql import Exec, on_connection

metadata = MetaData()
GENESIS = "0" * 64  # the link before the first entry
entries = Table(
    "staff_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(40), nullable=False),
    Column("role", String(16), nullable=False, server_default=""),
    Column("site", String(24), nullable=False, server_default=""),
    Column("action", String(40), nullable=False),
    Column("target", String(80), nullable=False),
    Column("detail", String(2000), nullable=False),  # a configuration change: before and after, as JSON
    Column("prev_hash", String(64), nullable=False, server_default=""),
    Column("hash", String(64), nullable=False, server_default=""),
)
head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("last_id", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)
FIELDS = ("at", "username", "role", "site", "action", "target", "detail")
CSV_HEADERS = (
    "序号 No.",
    "时间 Time (UTC)",
    "账号 Account",
    "角色 Role",
    "站点 Site",
    "操作 Action",
    "对象 Target",
    "说明 Detail",
    "哈希 Hash",
)


def entry_hash(
    prev_hash: str, at: datetime, username: str, role: str, site: str, action: str, target: str, detail: str
) -> str:
    """SHA-256 over the link and the contents, as canonical JSON (the time to the microsecond, UTC, naive)."""
    body = json.dumps(
        [
            prev_hash,
            at.replace(tzinfo=None).isoformat(timespec="microseconds"),
            username,
            role,
            site,
            action,
            target,
            detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Broken:
    """The first link that does not hold."""

    entry_id: int
    reason: str


@dataclass(frozen=True)
class Verdict:
    entries: int
    broken: Broken | None


@dataclass(frozen=True)
class Actor:
    """Who acts, for an entry written inside the action's own transaction."""

    username: str
    role: str


def append(
    db: Exec, username: str, action: str, target: str, detail: str = "", *, role: str = "", site: str = ""
) -> int:
    """Chains one entry in the caller's write transaction, as its last statement:
    the head row (made by migration 0015) stays locked to the commit, last in
    the lock order (after the queue's event lock), so appending never deadlocks."""
    last = db.one("SELECT last_hash FROM audit_head WHERE id = 1" + (" FOR UPDATE" if db.postgres else ""))[0]
    at = db_now()
    texts = (username[:40], role[:16], site[:24], action[:40], target[:80], detail[:2000])
    digest = entry_hash(last, at, *texts)
    row = db.one(
        "INSERT INTO staff_audit (at, username, role, site, action, target, detail, prev_hash, hash) "
        "VALUES (:at, :username, :role, :site, :action, :target, :detail, :prev, :hash) RETURNING id",
        **dict(zip(FIELDS, (at, *texts), strict=True)),
        prev=last,
        hash=digest,
    )
    db.run("UPDATE audit_head SET last_id = :id, last_hash = :hash WHERE id = 1", id=row[0], hash=digest)
    return int(row[0])


class AuditTrail:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(
        self, username: str, action: str, target: str, detail: str = "", *, role: str = "", site: str = ""
    ) -> int:
        """An entry in a transaction of its own (logins, configuration changes)."""
        with writer(self.engine) as conn, conn.begin():
            return append(on_connection(conn), username, action, target, detail, role=role, site=site)

    def rows(
        self,
        *,
        limit: int | None = None,
        newest_first: bool = True,
        sites: tuple[str, ...] | None = None,
        people: tuple[str, ...] = (),
    ) -> list[dict]:
        """Entries at `sites` (None: all), and the site-less ones (logins) of `people`."""
        query = select(entries).order_by(entries.c.id.desc() if newest_first else entries.c.id)
        if sites is not None:
            query = query.where(entries.c.site.in_(sites) | ((entries.c.site == "") & entries.c.username.in_(people)))
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def verify(self, batch: int = 5000) -> Verdict:
        """Walks the whole chain in id order; the first broken link, or none."""
        previous, count, last_id = GENESIS, 0, 0
        with self.engine.connect() as conn:
            while True:
                chunk = conn.execute(
                    select(entries).where(entries.c.id > last_id).order_by(entries.c.id).limit(batch)
                ).all()
                for r in chunk:
                    count += 1
                    if r.prev_hash != previous:
                        return Verdict(
                            count,
                            Broken(
                                r.id,
                                "its link does not match the entry before it: an entry before it was removed, added or changed",
                            ),
                        )
                    if (
                        entry_hash(r.prev_hash, r.at, r.username, r.role, r.site, r.action, r.target, r.detail)
                        != r.hash
                    ):
                        return Verdict(count, Broken(r.id, "its contents do not match its hash: the entry was changed"))
                    previous, last_id = r.hash, r.id
                if len(chunk) < batch:
                    break
            top = conn.execute(select(head.c.last_id, head.c.last_hash).where(head.c.id == 1)).first()
        if top is not None and (top.last_hash != previous or top.last_id != last_id):
            return Verdict(
                count,
                Broken(top.last_id, "the newest entries are missing: the trail ends before the entry the head names"),
            )
        return Verdict(count, None)

    def csv(self, sites: tuple[str, ...] | None = None, people: tuple[str, ...] = ()) -> str:
        out = io.StringIO()
        writer_ = csv.writer(out)
        writer_.writerow(CSV_HEADERS)
        for r in self.rows(newest_first=False, sites=sites, people=people):
            writer_.writerow(
                [
                    r["id"],
                    r["at"],
                    r["username"],
                    r["role"],
                    r["site"],
                    r["action"],
                    r["target"],
                    r["detail"],
                    r["hash"],
                ]
            )
        return out.getvalue()


def _row(r) -> dict:
    return {
        "id": r.id,
        "at": r.at.replace(tzinfo=UTC).isoformat(),
        "username": r.username,
        "role": r.role,
        "site": r.site,
        "action": r.action,
        "target": r.target,
        "detail": r.detail,
        "hash": r.hash,
    }


def chain_existing(conn: Connection) -> int:
    """The migration: chain the entries written before the trail was chained, in id order."""
    previous, last_id, count = GENESIS, 0, 0
    for r in conn.execute(select(entries).order_by(entries.c.id)).all():
        digest = entry_hash(previous, r.at, r.username, r.role or "", r.site or "", r.action, r.target, r.detail)
        conn.execute(update(entries).where(entries.c.id == r.id).values(prev_hash=previous, hash=digest))
        previous, last_id, count = digest, r.id, count + 1
    conn.execute(insert(head).values(id=1, last_id=last_id, last_hash=previous))
    return count
