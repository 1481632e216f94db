"""Kiosk use as kiosks report it (common.wire.UsageReport): guides opened and
searches that found nothing, added to per-day counts once per report (its key),
atomically on either engine (INSERT ... ON CONFLICT DO UPDATE), and read back
for reports: the guides citizens open most, and what they look for and the
catalog lacks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Engine

from central.clock import utcnow
from central.rawsql import Exec, UniqueViolation, in_list, runner_for, transact
from common.wire import UsageReport

KINDS = {"guides": "guide", "failed_searches": "failed_search"}


class UsageStore:
    def __init__(self, engine: Engine, runner=None):
        self.runner = runner or runner_for(engine)

    def add(self, site: str, day: date, kiosk_id: str, report: UsageReport) -> bool:
        """Counts a report once; False when its key was counted before."""

        def work(db: Exec) -> bool:
            try:
                with db.savepoint():
                    db.run(
                        "INSERT INTO usage_receipts (kiosk_id, key, received_at) VALUES (:kiosk, :key, :at)",
                        kiosk=kiosk_id,
                        key=report.key,
                        at=utcnow(),
                    )
            except UniqueViolation:
                return False
            for field, kind in KINDS.items():
                for key, count in sorted(getattr(report, field).items()):  # one order: no deadlock between nodes
                    db.run(
                        "INSERT INTO kiosk_usage (site, day, kiosk_id, kind, key, count) "
                        "VALUES (:site, :day, :kiosk, :kind, :key, :count) "
                        "ON CONFLICT (site, day, kiosk_id, kind, key) DO UPDATE SET count = kiosk_usage.count + "
                        "excluded.count",
                        site=site,
                        day=day,
                        kiosk=kiosk_id,
                        kind=kind,
                        key=key,
                        count=count,
                    )
            return True

        return transact(self.runner, work)

    def top(self, kind: str, sites: Sequence[str], start: date, end: date, limit: int) -> list[tuple[str, int]]:
        """The most frequent keys of `kind` in the range, most first."""
        if not sites:
            return []
        names, params = in_list("s", sites)
        rows = self.runner.read().all(
            f"SELECT key, SUM(count) AS n FROM kiosk_usage WHERE kind = :kind AND site IN {names} "
            "AND day >= :start AND day <= :end GROUP BY key ORDER BY n DESC, key LIMIT :limit",
            kind=kind,
            start=start,
            end=end,
            limit=limit,
            **params,
        )
        return [(r[0], int(r[1])) for r in rows]

    def by_kiosk(self, sites: Sequence[str], start: date, end: date) -> dict[str, Counter[str]]:
        """kiosk id -> {kind: count} in the range."""
        if not sites:
            return {}
        names, params = in_list("s", sites)
        rows = self.runner.read().all(
            f"SELECT kiosk_id, kind, SUM(count) FROM kiosk_usage WHERE site IN {names} "
            "AND day >= :start AND day <= :end GROUP BY kiosk_id, kind",
            start=start,
            end=end,
            **params,
        )
        out: dict[str, Counter[str]] = {}
        for kiosk, kind, n in rows:
            out.setdefault(kiosk, Counter())[kind] = int(n)
        return out
