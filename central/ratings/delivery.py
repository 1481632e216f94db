"""The outbox towards the provincial 好差评 system. Every rating gets a row
in `rating_deliveries` in the transaction that records it; a worker thread
sends them in that order through the configured `RatingSink`.

- One node at a time delivers: it holds the `rating_sink_lease` row, renewed
  before each send, so ratings leave in order and are not sent twice by two
  nodes at once.
- The head of the line blocks: a rating that cannot be delivered now (sink
  down, slow, overloaded) is retried with exponential backoff and the ones
  behind it wait, so the province receives them in order.
- A rating the province refuses is final: it is listed for a manager with the
  province's reason (and can be sent again once the cause is fixed); the line
  moves on.
- Each rating carries an idempotency key: one re-sent after a reply was lost
  is recognised as a duplicate by the province, so it is counted once."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from central.clock import from_db, to_db, utcnow
from central.config import RatingsSection
from central.db import hold_lease, writer
from central.ratings.sink import FileRatingSink, HttpRatingSink, RatingSink
from central.ratings.tables import cases, rating_deliveries, rating_sink_lease, ratings
from common.ratings import CHANNEL_NAMES, LEVEL_NAMES, REASON_NAMES, ProvinceRating, RatingChannel

log = logging.getLogger(__name__)
_d, _r, _c = rating_deliveries.c, ratings.c, cases.c
LEASE = timedelta(seconds=60)
LEASE_NAME = "province"


def sink_from_config(cfg: RatingsSection, secrets_dir) -> RatingSink | None:
    """The configured sink ([ratings.sink] kind), or None when ratings stay on central."""
    sink = cfg.sink
    if sink.kind == "http":
        secret = (secrets_dir / sink.secret_file).read_bytes().strip()
        return HttpRatingSink(sink.url, sink.app_key, secret, sink.timeout_s)
    if sink.kind == "file":
        return FileRatingSink(Path(sink.directory))
    return None


class RatingDelivery:
    def __init__(
        self,
        engine: Engine,
        cfg: RatingsSection,
        sink: RatingSink,
        tz: ZoneInfo,
        *,
        clock: Callable[[], datetime] = utcnow,
        node: str = "",
    ):
        self.engine, self.cfg, self.sink, self.tz, self.clock = engine, cfg, sink, tz, clock
        self.node = node or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the worker ----------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="rating-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.cfg.sink.timeout_s + 5)

    def kick(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.run_once()
            except Exception:  # the database is away: try again later, never die
                log.exception("rating delivery pass failed")
                wait = 5.0
            self._wake.wait(wait)
            self._wake.clear()

    def run_once(self) -> float:
        """Deliver what is due, in order; seconds until the next try is due."""
        while not self._stop.is_set():
            if not self._hold_lease():
                return LEASE.total_seconds() / 2
            head = self._head()
            if head is None:
                return self.cfg.sink.poll_s
            delivery_id, rating_id, attempts, next_at = head
            wait = (next_at - self.clock()).total_seconds()
            if wait > 0:
                return min(wait, self.cfg.sink.poll_s)
            self._send(delivery_id, rating_id, attempts)
        return 0.0

    def _send(self, delivery_id: int, rating_id: int, attempts: int) -> None:
        rating = self.province_rating(rating_id)
        result = self.sink.deliver(rating)
        now = self.clock()
        values: dict = {"attempts": attempts + 1, "last_error": result.detail if result.outcome != "delivered" else ""}
        if result.outcome == "delivered":
            values.update(state="delivered", done_at=to_db(now))
        elif result.outcome == "refused":
            values.update(state="refused", done_at=to_db(now))
            log.warning("province refused rating %s: %s", rating.case_number, result.detail)
        else:
            values["next_at"] = to_db(now + self.backoff(attempts + 1))
            log.info("rating %s not delivered (attempt %d): %s", rating.case_number, attempts + 1, result.detail)
        with writer(self.engine) as conn, conn.begin():
            conn.execute(update(rating_deliveries).where(_d.id == delivery_id, _d.state == "pending").values(**values))

    def backoff(self, attempts: int) -> timedelta:
        """Doubling from retry_min_s up to retry_max_s, with a tenth of jitter."""
        base = min(self.cfg.sink.retry_max_s, self.cfg.sink.retry_min_s * 2 ** min(attempts - 1, 30))
        return timedelta(seconds=base * random.uniform(0.9, 1.1))

    def _head(self) -> tuple[int, int, int, datetime] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_d.id, _d.rating_id, _d.attempts, _d.next_at)
                .where(_d.state == "pending")
                .order_by(_d.id)
                .limit(1)
            ).first()
        return (row.id, row.rating_id, row.attempts, from_db(row.next_at)) if row else None

    def _hold_lease(self) -> bool:
        return hold_lease(self.engine, rating_sink_lease, LEASE_NAME, self.node, self.clock(), LEASE)

    # -- what is sent --------------------------------------------------------
    def province_rating(self, rating_id: int) -> ProvinceRating:
        query = (
            select(ratings, _c.matter_name, _c.department_code, _c.counter, _c.staff)
            .select_from(ratings.outerjoin(cases, _c.case_number == _r.case_number))
            .where(_r.id == rating_id)
        )
        with self.engine.connect() as conn:
            r = conn.execute(query).mappings().one()
        reasons = tuple(x for x in r["reasons"].split(",") if x)
        channel = cast(RatingChannel, r["channel"] if r["channel"] in CHANNEL_NAMES else "terminal")
        return ProvinceRating(
            idempotency_key=f"{self.cfg.region}-{r['case_number']}",
            case_number=r["case_number"],
            matter_code=r["subject_ref"] if r["subject"] in ("case", "guide") else "",
            matter_name=r["matter_name"] or "",
            channel=channel,
            channel_name=CHANNEL_NAMES[channel],
            level=r["level_code"],
            level_name=LEVEL_NAMES[r["level"] - 1],
            reasons=reasons,
            reason_names=tuple(REASON_NAMES.get(x, x) for x in reasons),
            comment=r["text"],
            rated_at=from_db(r["at"]).astimezone(self.tz).isoformat(timespec="seconds"),
            region_code=r["region"],
            site_code=r["site"],
            department_code=r["department_code"] or "",
            counter=str(r["counter"]) if r["counter"] is not None else "",
            staff_id=r["staff"] or "",
            rater_hash=r["rater_key"] or "",
        )


def delivery_state(engine: Engine, sites: tuple[str, ...] | None = None) -> dict:
    """Counts by state, and the refused ratings with the province's reasons (for managers)."""
    joined = rating_deliveries.join(ratings, _r.id == _d.rating_id)
    counts = select(_d.state, func.count()).select_from(joined).group_by(_d.state)
    refused = (
        select(_d.id, _d.last_error, _d.done_at, _d.attempts, _r.case_number, _r.site, _r.level, _r.subject_ref)
        .select_from(joined)
        .where(_d.state == "refused")
        .order_by(_d.id.desc())
        .limit(200)
    )
    oldest = select(func.min(_d.id), func.max(_d.attempts)).select_from(joined).where(_d.state == "pending")
    if sites is not None:
        counts, refused, oldest = (q.where(_r.site.in_(sites)) for q in (counts, refused, oldest))
    with engine.connect() as conn:
        by_state: dict[str, int] = {row[0]: row[1] for row in conn.execute(counts)}
        rows = conn.execute(refused).all()
        head = conn.execute(oldest).first()
        last_error = ""
        if head and head[0] is not None:
            last_error = conn.execute(select(_d.last_error).where(_d.id == head[0])).scalar() or ""
    return {
        "pending": by_state.get("pending", 0),
        "delivered": by_state.get("delivered", 0),
        "refused": [
            {
                "id": r.id,
                "case_number": r.case_number,
                "site": r.site,
                "level": r.level,
                "matter_code": r.subject_ref,
                "reason": r.last_error,
                "at": from_db(r.done_at).isoformat() if r.done_at else None,
            }
            for r in rows
        ],
        "head_attempts": head[1] if head and head[1] is not None else 0,
        "head_error": last_error,
    }


def send_again(engine: Engine, delivery_id: int, sites: tuple[str, ...] | None = None) -> bool:
    """Put a refused rating back in the line (after its cause was fixed)."""
    query = update(rating_deliveries).where(_d.id == delivery_id, _d.state == "refused")
    if sites is not None:
        query = query.where(_d.rating_id.in_(select(_r.id).where(_r.site.in_(sites))))
    with writer(engine) as conn, conn.begin():
        return bool(
            conn.execute(query.values(state="pending", next_at=to_db(utcnow()), last_error="", done_at=None)).rowcount
        )
