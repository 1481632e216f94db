"""Make the upgrade test's fixture: a central database written by a release's
own code, with real tickets, bookings, prints, certificates and ratings in it.

Run once per release whose databases must keep upgrading, from a checkout of
that release (the fixture is then committed under tests/data/):

    .venv/bin/python scripts/make_release_fixture.py tests/data/release-0010

It writes central.db (SQLite), postgresql.sql (plain pg_dump of the same
story on PostgreSQL), the keys both used (test keys, not secrets) and
facts.json: what tests/test_site_upgrade.py expects to find after upgrading.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import PASSWORD, add_staff, enrolled_client, login  # noqa: E402

from common.certificates import CertificateRequest, PrintAudit  # noqa: E402
from common.ratings import RatingRequest  # noqa: E402
from common.tickets import BookingRequest, TicketPrint, TicketRequest  # noqa: E402
from common.wire import CardPresented  # noqa: E402
from peers import central as central_peer  # noqa: E402
from peers.central import Central  # noqa: E402
from peers.postgres import DatabaseFactory, PostgresCluster, server_bin  # noqa: E402

CITIZEN = "11010519491231002X"  # in the sample back office: social insurance, tax, real estate


def story(server: Central, work: Path) -> dict:
    """What a day at the hall leaves behind; returns the facts to check later."""
    add_staff(server, "mona", "manager")
    add_staff(server, "carl", "counter")
    kiosk = enrolled_client(server, "hall-kiosk-1", work / "k1")
    token = kiosk.present_card(CardPresented(number=CITIZEN, reader="virtual")).token
    plain = [kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=t)) for t in "AABE"]
    real = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="C", citizen_token=token))
    slot = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    booking = kiosk.book(BookingRequest(type="D", citizen_token=token, slot_start=slot))
    now = datetime.now(UTC)
    kiosk.record_ticket_print(
        TicketPrint(
            key=uuid.uuid4().hex, ticket_id=plain[0].id, number=plain[0].number, outcome="printed", attempt=1, at=now
        )
    )
    clerk = login(server, "carl", counter=1)
    called = clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=5).json()
    clerk.post(f"{server.url}/api/v1/counters/1/finish", timeout=5).raise_for_status()
    cert = kiosk.issue_certificate(
        CertificateRequest(request_id=uuid.uuid4().hex, kind="social_insurance", citizen_token=token)
    )
    kiosk.record_print(
        PrintAudit(
            key=uuid.uuid4().hex,
            certificate_id=cert.id,
            kind=cert.kind,
            copies=1,
            pages=1,
            outcome="printed",
            attempt=1,
            at=now,
        )
    )
    kiosk.rate(RatingRequest(key=uuid.uuid4().hex, level=1, subject="ticket", subject_ref="A", at=now))
    kiosk.rate(RatingRequest(key=uuid.uuid4().hex, level=5, subject="hall", reasons=("slow",), text="排队太久", at=now))
    return {
        "kiosk_id": kiosk.credentials.kiosk_id,
        "kiosk_secret_b64": __import__("base64").b64encode(kiosk.credentials.secret).decode(),
        "tickets": {t.id: t.number for t in [*plain, real]},
        "called": called["ticket"]["number"] if called.get("ticket") else None,
        "booking_code": booking.code,
        "certificate_id": cert.id,
        "ratings": 2,
        "staff": ["carl", "mona"],
        "password": PASSWORD,
    }


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="release-fixture-"))
    secrets = work / "secrets"
    secrets.mkdir()
    server = Central(work / "sqlite", secrets_dir=secrets)
    server.start()
    try:
        facts = {"sqlite": story(server, work / "s")}
    finally:
        server.stop()
    shutil.copy(work / "sqlite" / "central-data" / "central.db", out / "central.db")
    cluster = PostgresCluster().start()
    try:
        url = DatabaseFactory(cluster)("release")
        server = Central(work / "pg", database_url=url, secrets_dir=secrets)
        server.start()
        try:
            facts["postgresql"] = story(server, work / "p")
        finally:
            server.stop()
        name = url.rsplit("/", 1)[1]
        dump = subprocess.run(
            [
                server_bin("pg_dump"),
                "--no-owner",
                "--no-privileges",
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "kiosk",
                "-d",
                name,
            ],
            capture_output=True,
            text=True,
            check=True,
            env={"PGPASSWORD": "kiosk-test"},
        )
        (out / "postgresql.sql").write_text(dump.stdout)
    finally:
        cluster.stop()
    for key in ("master.key", "id_hash.key", "certificate-signing.key"):
        shutil.copy(secrets / key, out / key)
    (out / "facts.json").write_text(json.dumps(facts, indent=2, ensure_ascii=False) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    central_peer.DATABASES = None
    sys.exit(main(Path(sys.argv[1])))
