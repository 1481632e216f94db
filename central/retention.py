"""Personal data central keeps only as long as it is needed: a certificate's
content (names, income, tax) is removed `[certificates] keep_content_days`
after the certificate expires (the verify page then says it expired, and shows
nothing); tickets and bookings forget whose they were (the keyed hash) after
`[queue] keep_person_days`. The phone's data goes sooner: verification codes
after a day, sessions when they expire, the numbers and push subscriptions
messages went to once their ticket or booking is over (a ticket's after two
days, a booking's a day after its slot), and the places counted per person
after their day. Each pass is a few idempotent UPDATEs and
DELETEs, safe to run on every node at once; the serving process runs one an
hour, `kiosk-central retention run` on demand."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update
from sqlalchemy.engine import Engine

from central.certs.tables import certificates
from central.config import CentralConfig
from central.db import writer
from central.queue.store import QueueStore

log = logging.getLogger(__name__)
PURGED = '{"purged": true}'


def run(config: CentralConfig, engine: Engine, now: datetime | None = None) -> dict[str, int]:
    """One pass; how many rows each rule changed."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    content_cutoff = (now - timedelta(days=config.certificates.keep_content_days)).date()
    person_cutoff = now - timedelta(days=config.queue.keep_person_days)
    with writer(engine) as conn, conn.begin():
        done = {
            "certificate_contents": conn.execute(
                update(certificates)
                .where(certificates.c.expires_at < content_cutoff, certificates.c.content_purged_at.is_(None))
                .values(content=PURGED, content_purged_at=now)
            ).rowcount,
        }
    done["ticket_holders"], done["bookings"] = QueueStore(engine).transact(
        lambda sql: sql.forget_people(person_cutoff.date(), person_cutoff)
    )
    done.update(_phones(engine, now, person_cutoff))
    if any(done.values()):
        log.info("retention: %s", ", ".join(f"{n} {what}" for what, n in done.items()))
    return done


def _phones(engine: Engine, now: datetime, person_cutoff: datetime) -> dict[str, int]:
    yesterday = (now - timedelta(days=1)).strftime("%Y%m%d")
    statements = {
        "verification_codes": "DELETE FROM phone_codes WHERE sent_at < :day_ago",
        "phone_sessions": "DELETE FROM phone_sessions WHERE expires_at < :now",
        "message_addresses": (
            "DELETE FROM notify_subscriptions WHERE (booking_code IS NULL AND created_at < :two_days_ago) "
            "OR (booking_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bookings b WHERE "
            "b.code = notify_subscriptions.booking_code AND b.slot_end > :day_ago))"
        ),
        "messages": "DELETE FROM notifications WHERE state <> 'pending' AND created_at < :person_cutoff",
        # per-person rows: the lock rows, and remote places counted per day (the day ends the scope)
        "person_counts": (
            "DELETE FROM booking_counts WHERE scope LIKE 'person|%' OR (scope LIKE 'remote|%' "
            "AND replace(substr(scope, length(scope) - 9), '-', '') < :yesterday) OR (scope LIKE 'slot|%' "
            "AND substr(scope, length(scope) - 13, 8) < :yesterday)"
        ),
    }
    params = {
        "now": now,
        "day_ago": now - timedelta(days=1),
        "two_days_ago": now - timedelta(days=2),
        "person_cutoff": person_cutoff,
        "yesterday": yesterday,
    }
    done = {}
    with writer(engine) as conn, conn.begin():
        for what, sql in statements.items():
            names = {k: v for k, v in params.items() if f":{k}" in sql}
            done[what] = conn.execute(text(sql), names).rowcount
    return done
