"""好差评: ratings arrive from kiosks through their outbox (each key applied
once), with no link to who rated. A bad review (levels 4 and 5) opens a
follow-up with a deadline; the hall manager moves it to in progress and
resolved, with a note."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from central.certs.tables import ratings
from central.config import CentralConfig
from central.db import writer
from common.certificates import BAD_LEVELS, RATING_REASONS, RatingRequest
from common.privacy import scrub

_r = ratings.c
FOLLOW_UP_STATES = ("open", "in_progress", "resolved")


class RatingError(Exception):
    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class RatingService:
    def __init__(self, config: CentralConfig, engine: Engine):
        self.cfg = config.ratings
        self.tz = ZoneInfo(config.hall.timezone)
        self.first_site = config.hall.code
        self.engine = engine

    def record(self, kiosk_id: str, rating: RatingRequest, site: str | None = None) -> tuple[str, bool]:
        """(case number, duplicate); `site`: where the kiosk stands."""
        unknown = set(rating.reasons) - set(RATING_REASONS)
        if unknown:
            raise RatingError("bad_reason", f"unknown reasons {sorted(unknown)}; known: {', '.join(RATING_REASONS)}")
        now = datetime.now(UTC)
        at = rating.at.astimezone(UTC).replace(tzinfo=None) if rating.at.tzinfo else rating.at
        bad = rating.level in BAD_LEVELS
        case = now.astimezone(self.tz).strftime("%Y%m%d") + secrets.token_hex(4).upper()
        values = {
            "case_number": case,
            "kiosk_id": kiosk_id,
            "site": site or self.first_site,
            "key": rating.key,
            "level": rating.level,
            "level_code": self.cfg.level_codes[rating.level - 1],
            "subject": rating.subject,
            "subject_ref": rating.subject_ref,
            "reasons": ",".join(rating.reasons),
            "text": scrub(rating.text.strip()),  # an ID number typed into a comment is never kept
            "channel": self.cfg.channel,
            "region": self.cfg.region,
            "at": at,
            "received_at": now.replace(tzinfo=None),
            "follow_up_due": (now.astimezone(self.tz).date() + timedelta(days=self.cfg.follow_up_days))
            if bad
            else None,
            "follow_up_state": "open" if bad else None,
        }
        try:
            with writer(self.engine) as conn, conn.begin():
                conn.execute(insert(ratings).values(**values))
        except IntegrityError:
            with self.engine.connect() as conn:
                return conn.execute(
                    select(_r.case_number).where(_r.kiosk_id == kiosk_id, _r.key == rating.key)
                ).scalar_one(), True
        return case, False

    def bad_reviews(self, state: str | None = None, sites: tuple[str, ...] | None = None) -> list[dict]:
        """Bad reviews awaiting or done with follow-up: at `sites`, or everywhere (None)."""
        query = select(ratings).where(_r.follow_up_state.is_not(None))
        if sites is not None:
            query = query.where(_r.site.in_(sites))
        if state:
            query = query.where(_r.follow_up_state == state)
        today = datetime.now(self.tz).date()
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(_r.follow_up_due, _r.id)).all()
        return [
            {
                "case_number": r.case_number,
                "site": r.site,
                "level": r.level,
                "level_code": r.level_code,
                "subject": r.subject,
                "subject_ref": r.subject_ref,
                "reasons": [x for x in r.reasons.split(",") if x],
                "text": r.text,
                "channel": r.channel,
                "region": r.region,
                "at": r.at.isoformat() + "Z",
                "follow_up_due": r.follow_up_due.isoformat(),
                "state": r.follow_up_state,
                "overdue": r.follow_up_state != "resolved" and today > r.follow_up_due,
                "note": r.follow_up_note or "",
            }
            for r in rows
        ]

    def follow_up(self, case_number: str, state: str, note: str, sites: tuple[str, ...] | None = None) -> None:
        if state not in FOLLOW_UP_STATES:
            raise RatingError("bad_state", f"state is one of {', '.join(FOLLOW_UP_STATES)}")
        query = update(ratings).where(_r.case_number == case_number, _r.follow_up_state.is_not(None))
        if sites is not None:
            query = query.where(_r.site.in_(sites))
        with writer(self.engine) as conn, conn.begin():
            changed = conn.execute(query.values(follow_up_state=state, follow_up_note=note[:2000])).rowcount
        if not changed:
            raise RatingError("unknown_case", f"no bad review {case_number}", 404)

    def summary(self, sites: tuple[str, ...] | None = None) -> dict:
        query = select(_r.level) if sites is None else select(_r.level).where(_r.site.in_(sites))
        with self.engine.connect() as conn:
            levels = [r.level for r in conn.execute(query)]
        return {
            "count": len(levels),
            "by_level": {str(lv): levels.count(lv) for lv in range(1, 6)},
            "satisfied_share": round(sum(1 for lv in levels if lv <= 3) / len(levels), 3) if levels else None,
        }
