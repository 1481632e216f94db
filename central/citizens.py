"""Citizens present at a kiosk. The kiosk sends the card it read; central
hashes the ID number with a key that never leaves it and answers a short-lived
token that opens that citizen's records at that kiosk only. Each presentation
is counted: a kiosk that presents more identities than a kiosk with a queue of
real people can (or many from provinces unusual for it) is suspended until a
manager reviews it, since that is what a stolen kiosk credential looks like."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from central import kiosk_settings
from central.clock import db_now
from central.config import SecuritySection
from central.db import write_session, writer
from central.models import Kiosk
from common.identity import InvalidIdentity, keyed_hash, validate_id_number
from common.wire import CardPresented, CitizenToken

log = logging.getLogger(__name__)
metadata = MetaData()
presences = Table(
    "citizen_presences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("kiosk_id", String(36), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("province", String(2), nullable=False),
    Column("presented_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)
kiosks = cast(Table, Kiosk.__table__)  # the registry's table (central.models); its suspension columns are set here
BASELINE_DAYS = 30  # presentations kept: the kiosk's usual provinces are learned from them
BASELINE_MIN = 50  # presentations before a kiosk's own history counts as its usual region
USUAL_SHARE = 0.1  # a province with at least this share of a kiosk's history is usual for it


class CitizenError(Exception):
    def __init__(self, code: str, message: str, status: int):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# for the ticket transaction, which runs plain SQL (central.rawsql)
SQL_TOKEN = "SELECT kiosk_id, person_key, expires_at FROM citizen_presences WHERE token_hash = :token_hash"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CitizenDesk:
    def __init__(self, engine: Engine, id_hash_key: bytes, rules: SecuritySection):
        self.engine = engine
        self.key = id_hash_key
        self.rules = rules

    def person_key(self, document_type: str, number: str) -> str:
        """The keyed hash central counts a person by (also for the CLI's bookings)."""
        return keyed_hash(self.key, number, document_type)

    def present(self, kiosk_id: str, card: CardPresented) -> CitizenToken:
        """A token for the card just read at this kiosk; suspends the kiosk
        (and refuses) when this presentation trips a limit."""
        number = card.number.upper()
        if card.document_type == "resident_id":
            try:
                number = validate_id_number(number)
            except InvalidIdentity as exc:
                raise CitizenError("invalid_id", str(exc), 422) from None
        person = self.person_key(card.document_type, number)
        province = number[:2] if card.document_type == "resident_id" else "--"
        now = db_now()
        token = secrets.token_urlsafe(32)
        with writer(self.engine) as conn, conn.begin():
            # the kiosk's row first, locked: two presentations from one kiosk are counted one after the other
            row = conn.execute(
                select(kiosks.c.suspended_at, kiosks.c.name).where(kiosks.c.id == kiosk_id).with_for_update()
            ).first()
            if row is None:
                raise CitizenError("unknown_kiosk", "this kiosk is not enrolled", 401)
            if row.suspended_at is not None:
                raise CitizenError("kiosk_suspended", _SUSPENDED, 403)
            tripped = self._tripped(conn, kiosk_id, person, province, now)
            if tripped:
                conn.execute(
                    update(kiosks)
                    .where(kiosks.c.id == kiosk_id)
                    .values(suspended_at=now.replace(tzinfo=UTC), suspended_reason=tripped)
                )
                log.error("kiosk %s suspended: %s", row.name, tripped)
            else:
                conn.execute(
                    insert(presences).values(
                        token_hash=token_hash(token),
                        kiosk_id=kiosk_id,
                        person_key=person,
                        province=province,
                        presented_at=now,
                        expires_at=now + timedelta(minutes=self.rules.citizen_session_min),
                    )
                )
                conn.execute(delete(presences).where(presences.c.presented_at < now - timedelta(days=BASELINE_DAYS)))
        if tripped:
            self._settings_changed()  # the kiosk learns at its next heartbeat, and goes out of service
            raise CitizenError("kiosk_suspended", _SUSPENDED, 403)
        return CitizenToken(token=token, expires_in_s=self.rules.citizen_session_min * 60)

    def _tripped(self, conn: Connection, kiosk_id: str, person: str, province: str, now: datetime) -> str:
        """Why this presentation suspends the kiosk, or ''."""
        hour = now - timedelta(hours=1)
        recent = conn.execute(
            select(presences.c.person_key, presences.c.province).where(
                presences.c.kiosk_id == kiosk_id, presences.c.presented_at > hour
            )
        ).all()
        people = {p for p, _ in recent} | {person}
        limit = self.rules.identities_per_hour
        if limit and len(people) > limit:
            return f"identity_rate: {len(people)} different ID cards in one hour (limit {limit})"
        foreign_limit = self.rules.foreign_identities_per_hour
        if not foreign_limit or province == "--":
            return ""
        usual = self._usual_provinces(conn, kiosk_id, now)
        if not usual or province in usual:
            return ""
        foreign = {p for p, prov in recent if prov not in usual and prov != "--"} | {person}
        if len(foreign) > foreign_limit:
            return (
                f"foreign_identities: {len(foreign)} ID cards from provinces unusual for this kiosk in one hour "
                f"(limit {foreign_limit}; usual: {', '.join(sorted(usual))})"
            )
        return ""

    def _usual_provinces(self, conn: Connection, kiosk_id: str, now: datetime) -> set[str]:
        if self.rules.home_provinces:
            return set(self.rules.home_provinces)
        history = conn.execute(
            select(presences.c.province, func.count())
            .where(
                presences.c.kiosk_id == kiosk_id,
                presences.c.presented_at > now - timedelta(days=BASELINE_DAYS),
                presences.c.presented_at <= now - timedelta(hours=1),
            )
            .group_by(presences.c.province)
        ).all()
        counts = Counter({p: n for p, n in history if p != "--"})
        total = sum(counts.values())
        if total < BASELINE_MIN:
            return set()  # too little history: no regional check yet
        return {p for p, n in counts.items() if n >= USUAL_SHARE * total}

    def resolve(self, conn: Connection, kiosk_id: str, token: str) -> str:
        """The person behind a citizen token presented at this kiosk (inside the caller's transaction)."""
        row = conn.execute(
            select(presences.c.kiosk_id, presences.c.person_key, presences.c.expires_at).where(
                presences.c.token_hash == token_hash(token)
            )
        ).first()
        if row is None or row.kiosk_id != kiosk_id or row.expires_at < db_now():
            raise CitizenError("card_not_present", "read the citizen's ID card again at this kiosk", 403)
        return row.person_key

    def person_for(self, kiosk_id: str, token: str) -> str:
        with self.engine.connect() as conn:
            return self.resolve(conn, kiosk_id, token)

    # -- suspension ------------------------------------------------------------
    def lift(self, kiosk_id: str) -> bool:
        """A manager reviewed the kiosk: it serves citizens again (its hour's count starts afresh)."""
        now = db_now()
        with writer(self.engine) as conn, conn.begin():
            lifted = conn.execute(
                update(kiosks)
                .where(kiosks.c.id == kiosk_id, kiosks.c.suspended_at.is_not(None))
                .values(suspended_at=None, suspended_reason=None)
            ).rowcount
            # the hour that tripped the limit starts afresh; tokens handed out before the review stay void
            conn.execute(
                delete(presences).where(
                    presences.c.kiosk_id == kiosk_id, presences.c.presented_at > now - timedelta(hours=1)
                )
            )
        if lifted:
            self._settings_changed()
        return bool(lifted)

    def _settings_changed(self) -> None:
        with write_session(self.engine) as db:
            kiosk_settings.bump(db)


_SUSPENDED = "this kiosk is suspended until the hall manager reviews it (too many ID cards); ask staff"
