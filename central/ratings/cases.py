"""Cases (办件): what a counter handled for a ticket, one case per matter, each
with a number in the deployment's format. Cases are written in the same
transaction that finishes the ticket (central.queue.calling), so a finished
ticket and its cases appear together on every node or not at all."""

from __future__ import annotations

import json
import string
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from central.catalog.tables import MatterRow
from central.rawsql import Exec
from common.pinyin import Keys, keys_for, matches_mixed, normalise
from common.ratings import HandledMatter

FORMAT_FIELDS = {"region", "site", "date", "seq"}
NEXT_NUMBER = (
    "INSERT INTO case_sequences (scope, day, last) VALUES (:scope, :day, 1) "
    "ON CONFLICT (scope, day) DO UPDATE SET last = case_sequences.last + 1 RETURNING last"
)
INSERT_CASE = (
    "INSERT INTO cases (case_number, site, ticket_id, counter, staff, matter_code, matter_name, department_code, "
    "outcome, person_key, finished_at, rate_until) VALUES (:case_number, :site, :ticket_id, :counter, :staff, "
    ":matter_code, :matter_name, :department_code, :outcome, :person_key, :finished_at, :rate_until)"
)


class CaseError(Exception):
    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def format_problem(fmt: str) -> str | None:
    """Why a case-number format cannot be used (None: it can)."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
        sample = render_number(fmt, region="110105", site="main", day="20261231", seq=999999)
    except (ValueError, KeyError, IndexError) as exc:
        return f"not a format string ({exc}); e.g. {{region}}{{date}}{{seq:06d}}"
    if names - FORMAT_FIELDS:
        return f"unknown fields {sorted(names - FORMAT_FIELDS)}; known: {', '.join(sorted(FORMAT_FIELDS))}"
    if "seq" not in names or "date" not in names:
        return "needs {date} and {seq} (numbers restart each day)"
    if len(sample) > 32:
        return f"makes numbers of {len(sample)} characters (at most 32), e.g. {sample}"
    return None


def render_number(fmt: str, *, region: str, site: str, day: str, seq: int) -> str:
    return fmt.format(region=region, site=site, date=day, seq=seq)


@dataclass(frozen=True)
class MatterEntry:
    code: str
    name: str
    department_code: str


class MatterIndex:
    """The catalog's matters for the counter page: looked up by code when a
    case is recorded, searched by name, code or pinyin (initials like `sfz`)
    by the clerk. The pinyin keys are built on a thread once per catalog
    version (from start-up: `warm`; loading pypinyin's dictionary alone takes
    0.6 s of CPU). While a new version is built, searches use the previous
    one; before the first is ready a search waits for it (a clerk typing
    `sfz` into a fresh server must still find 居民身份证), and only if that
    fails matches names and codes."""

    FIRST_WAIT_S = 20.0

    def __init__(self, engine: Engine):
        self.engine = engine
        self._entries: list[tuple[MatterEntry, Keys]] = []
        self._version = -1
        self._building = threading.Lock()
        self._ready = threading.Event()

    def warm(self) -> None:
        """Build the keys now, on a thread (central's start-up)."""
        self._refresh()

    def get(self, code: str) -> MatterEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(MatterRow.code, MatterRow.name, MatterRow.body).where(
                    MatterRow.code == code, MatterRow.removed.is_(False)
                )
            ).first()
        if row is None:
            return None
        return MatterEntry(row.code, row.name, json.loads(row.body).get("department_code", ""))

    def names(self, codes: Iterable[str]) -> dict[str, str]:
        """Code -> name of the matters in the catalog, in one query (reports, the console's lists)."""
        wanted = list(dict.fromkeys(codes))
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(MatterRow.code, MatterRow.name).where(MatterRow.code.in_(wanted), MatterRow.removed.is_(False))
            ).all()
        return {r.code: r.name for r in rows}

    def search(self, query: str, limit: int = 20) -> list[MatterEntry]:
        q = normalise(query)
        if not q:
            return []
        self._refresh()
        if not self._entries:
            self._ready.wait(self.FIRST_WAIT_S)
        entries = self._entries
        if not entries:  # the index is being built: names and codes only
            pattern = f"%{query.strip()}%"
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(MatterRow.code, MatterRow.name, MatterRow.body)
                    .where(MatterRow.removed.is_(False))
                    .where(MatterRow.name.like(pattern) | MatterRow.code.like(query.strip().upper() + "%"))
                    .order_by(MatterRow.name)
                    .limit(limit)
                ).all()
            return [MatterEntry(r.code, r.name, json.loads(r.body).get("department_code", "")) for r in rows]
        found = []
        for entry, keys in entries:
            if entry.code.lower().startswith(q) or q in normalise(entry.name, None) or matches_mixed(q, keys):
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    def _refresh(self) -> None:
        from central.catalog.tables import CatalogState

        with self.engine.connect() as conn:
            version = conn.execute(select(CatalogState.version)).scalar() or 0
        if version != self._version and self._building.acquire(blocking=False):
            self._ready.clear()
            threading.Thread(target=self._build, args=(version,), name="matter-index", daemon=True).start()

    def _build(self, version: int) -> None:
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(MatterRow.code, MatterRow.name, MatterRow.body)
                    .where(MatterRow.removed.is_(False))
                    .order_by(MatterRow.name)
                ).all()
            entries = []
            for r in rows:
                body = json.loads(r.body)
                entry = MatterEntry(r.code, r.name, body.get("department_code", ""))
                entries.append((entry, keys_for(r.name)))
            self._entries, self._version = entries, version
        finally:
            self._ready.set()
            self._building.release()


@dataclass(frozen=True)
class CaseRules:
    number_format: str
    region: str
    rate_within: timedelta
    tz: ZoneInfo


def open_cases(
    db: Exec,
    rules: CaseRules,
    *,
    site: str,
    ticket_id: str,
    counter: int,
    staff: str,
    handled: list[tuple[MatterEntry, HandledMatter]],
    now: datetime,
) -> list[str]:
    """Write one case per matter handled, inside the transaction that finishes
    the ticket; their numbers, in order. Numbers come from a per-day sequence
    row (per site when the format names the site, else city-wide), taken with
    the row locked by the upsert, so two nodes never hand out the same one."""
    if not handled:
        return []
    person = db.one("SELECT person_key FROM tickets WHERE id = :id", id=ticket_id)
    day = now.astimezone(rules.tz).strftime("%Y%m%d")
    scope = site if "{site" in rules.number_format else ""
    numbers = []
    for entry, matter in handled:
        seq = db.one(NEXT_NUMBER, scope=scope, day=day)[0]
        number = render_number(rules.number_format, region=rules.region, site=site, day=day, seq=seq)
        db.run(
            INSERT_CASE,
            case_number=number,
            site=site,
            ticket_id=ticket_id,
            counter=counter,
            staff=staff,
            matter_code=entry.code,
            matter_name=entry.name,
            department_code=entry.department_code,
            outcome=matter.outcome,
            person_key=person[0] if person else None,
            finished_at=now,
            rate_until=now + rules.rate_within,
        )
        numbers.append(number)
    return numbers
