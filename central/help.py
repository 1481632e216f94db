"""一键呼叫: calls for help from kiosks. A call is stored once per key (the
kiosk's outbox may send it twice) together with a `help` event on the site's
event log, in one transaction, so the counter and manager pages of the site
show it live; a clerk or manager acknowledges it ("coming"), and that is an
event too. Nothing personal: the kiosk, its screen and the time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, UniqueConstraint

from central.clock import from_db, utcnow
from central.queue.store import QueueStore
from common.wire import HelpCall, HelpCallView

metadata = MetaData()

help_calls = Table(
    "help_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(24), nullable=False),
    Column("kiosk_id", String(36), nullable=False),
    Column("kiosk_name", String(80), nullable=False),
    Column("key", String(64), nullable=False),
    Column("screen", String(40), nullable=False),
    Column("at", DateTime, nullable=False),  # the kiosk's time of the tap
    Column("received_at", DateTime, nullable=False),
    Column("acknowledged_by", String(40), nullable=True),
    Column("acknowledged_at", DateTime, nullable=True),
    UniqueConstraint("kiosk_id", "key", name="uq_help_call_key"),
)
Index("ix_help_calls_open", help_calls.c.site, help_calls.c.acknowledged_at)

COLUMNS = "id, site, kiosk_name, screen, at, received_at, acknowledged_by, acknowledged_at"


def _view(row) -> HelpCallView:
    return HelpCallView(
        id=row[0],
        site=row[1],
        kiosk=row[2],
        screen=row[3],
        at=from_db(row[4]),
        received_at=from_db(row[5]),
        acknowledged_by=row[6],
        acknowledged_at=from_db(row[7]) if row[7] is not None else None,
    )


class HelpDesk:
    def __init__(self, store: QueueStore):
        self.store = store

    def call(self, site: str, kiosk_id: str, kiosk_name: str, call: HelpCall) -> tuple[HelpCallView, bool]:
        """The call stored (or found, when sent again); whether it is new."""
        now = utcnow()
        at = call.at if abs(call.at - now) < timedelta(days=1) else now  # a kiosk clock gone wrong

        def work(sql) -> tuple[HelpCallView, bool]:
            db = sql.db
            found = db.one(
                f"SELECT {COLUMNS} FROM help_calls WHERE kiosk_id = :k AND key = :key", k=kiosk_id, key=call.key
            )
            if found:
                return _view(found), False
            row = db.one(
                "INSERT INTO help_calls (site, kiosk_id, kiosk_name, key, screen, at, received_at) "
                f"VALUES (:site, :k, :name, :key, :screen, :at, :now) RETURNING {COLUMNS}",
                site=site,
                k=kiosk_id,
                name=kiosk_name,
                key=call.key,
                screen=call.screen,
                at=at,
                now=now,
            )
            view = _view(row)
            payload = {"help_id": view.id, "kiosk": kiosk_name, "screen": call.screen, "at": view.at.isoformat()}
            sql.add_event(site, "help", None, payload, now)  # last: the event log's lock is last in the order
            return view, True

        return self.store.transact(work)

    def open_calls(self, sites: tuple[str, ...] | None, limit: int = 50) -> list[HelpCallView]:
        """Calls not yet acknowledged, newest first (all sites when `sites` is None)."""
        where = ""
        params: dict = {"n": limit}
        if sites is not None:
            names = {f"s{i}": s for i, s in enumerate(sites)} or {"s0": ""}
            where = f" AND site IN ({', '.join(':' + n for n in names)})"
            params.update(names)
        rows = self.store.read().db.all(
            f"SELECT {COLUMNS} FROM help_calls WHERE acknowledged_at IS NULL{where} ORDER BY id DESC LIMIT :n", **params
        )
        return [_view(r) for r in rows]

    def acknowledge(self, help_id: int, staff: str, sites: tuple[str, ...] | None) -> HelpCallView | None:
        """Mark a call answered by `staff` (once: the first to answer); None when
        there is no such call at the sites `staff` works at."""
        now = utcnow()

        def work(sql) -> HelpCallView | None:
            db = sql.db
            row = db.one(f"SELECT {COLUMNS} FROM help_calls WHERE id = :id", id=help_id)
            if row is None or (sites is not None and row[1] not in sites):
                return None
            if row[7] is None:
                db.run(
                    "UPDATE help_calls SET acknowledged_by = :who, acknowledged_at = :now "
                    "WHERE id = :id AND acknowledged_at IS NULL",
                    who=staff,
                    now=now,
                    id=help_id,
                )
                row = db.one(f"SELECT {COLUMNS} FROM help_calls WHERE id = :id", id=help_id)
                sql.add_event(row[1], "help_ack", None, {"help_id": help_id, "by": row[6]}, now)
            return _view(row)

        return self.store.transact(work)
