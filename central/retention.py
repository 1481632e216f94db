"""Personal data central keeps only as long as it is needed: a certificate's
content (names, income, tax) is removed `[certificates] keep_content_days`
after the certificate expires (the verify page then says it expired, and shows
nothing); tickets and bookings forget whose they were (the keyed hash) after
`[queue] keep_person_days`. Each pass is a few idempotent UPDATEs and
DELETEs, safe to run on every node at once; the serving process runs one an
hour, `kiosk-central retention run` on demand."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
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
    if any(done.values()):
        log.info("retention: %s", ", ".join(f"{n} {what}" for what, n in done.items()))
    return done
