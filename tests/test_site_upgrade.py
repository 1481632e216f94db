"""A database written by the release before sites (revision 0010, made by that
release's own code: scripts/make_release_fixture.py) upgrades in place: its one
hall becomes the first site and nothing is lost. Its tickets, booking, ticket
print, certificate (still verifying with its key), ratings, staff and kiosk
all carry on, now at that site."""

from __future__ import annotations

import base64
import json
import shutil
import uuid
from pathlib import Path

import pytest
import requests
from conftest import TEST_DATABASE, Central, login, new_database, postgres_cluster

from common.tickets import TicketRequest
from kiosk.sync.client import CentralClient
from kiosk.sync.credentials import Credentials

pytestmark = pytest.mark.central
FIXTURE = Path(__file__).parent / "data" / "release-0010"
KEYS = ("master.key", "id_hash.key", "certificate-signing.key")


def _secrets(tmp_path: Path) -> Path:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for key in KEYS:
        shutil.copy(FIXTURE / key, secrets / key)
        (secrets / key).chmod(0o600)
    return secrets


@pytest.fixture
def upgraded(tmp_path):
    """Central started on the old database: it migrates at start-up."""
    facts = json.loads((FIXTURE / "facts.json").read_text())[TEST_DATABASE]
    if TEST_DATABASE == "postgresql":
        url = new_database("release_0010")
        postgres_cluster().load_sql(url.rsplit("/", 1)[1], FIXTURE / "postgresql.sql")
        server = Central(tmp_path / "c", database_url=url, secrets_dir=_secrets(tmp_path))
    else:
        server = Central(tmp_path / "c", secrets_dir=_secrets(tmp_path))
        data = tmp_path / "c" / "central-data"
        data.mkdir(parents=True)
        shutil.copy(FIXTURE / "central.db", data / "central.db")
    server.start()
    yield server, facts
    server.stop()


def test_the_old_hall_becomes_the_first_site_with_nothing_lost(upgraded):
    server, facts = upgraded
    sites = requests.get(f"{server.url}/api/v1/sites", timeout=5).json()["sites"]
    assert [s["code"] for s in sites] == ["main"] and sites[0]["kind"] == "hall"
    assert [t["code"] for t in sites[0]["types"]] == ["A", "B", "C", "D", "E"] and len(sites[0]["counters"]) == 6
    with server.db() as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] >= "0011"
        rows = dict(db.execute("SELECT id, display FROM tickets").fetchall())
        assert rows == facts["tickets"]  # every ticket, its number unchanged
        assert {r[0] for r in db.execute("SELECT DISTINCT site FROM tickets").fetchall()} == {"main"}
        states = dict(db.execute("SELECT display, state FROM tickets").fetchall())
        assert states["A001"] == "done" and states["C001"] == "waiting"
        booking = db.execute("SELECT site, type, state FROM bookings WHERE code = ?", (facts["booking_code"],))
        assert booking.fetchone() == ("main", "D", "booked")
        assert db.execute("SELECT site, outcome FROM ticket_prints").fetchall() == [("main", "printed")]
        assert db.execute("SELECT site FROM certificate_prints").fetchall() == [("main",)]
        assert db.execute("SELECT COUNT(*), MIN(site), MAX(site) FROM ratings").fetchone() == (2, "main", "main")
        assert db.execute("SELECT site, number FROM counter_states").fetchall() == [("main", 1)]
        counters = db.execute("SELECT site, type, last_number FROM number_counters ORDER BY type").fetchall()
        assert [(site, kind) for site, kind, _ in counters] == [("main", t) for t in "ABCE"]
        staff = db.execute("SELECT username, site FROM staff_sites ORDER BY username").fetchall()
        assert staff == [(name, "main") for name in facts["staff"]]
        signature = db.execute("SELECT signature FROM certificates WHERE id = ?", (facts["certificate_id"],))
        signature = signature.fetchone()[0]
    verified = requests.get(
        f"{server.url}/api/v1/verify/{facts['certificate_id']}", params={"s": signature}, timeout=5
    ).json()
    assert verified["state"] == "genuine"  # the key came along; the signature still holds
    status = requests.get(f"{server.url}/api/v1/tickets/{next(iter(facts['tickets']))}", timeout=5).json()
    assert status["site"] == "main" and status["number"] == "A001"
    manager = login(server, "mona")  # staff log in as before, now at the first site
    bad = manager.get(f"{server.url}/api/v1/ratings/bad", timeout=5).json()["reviews"]
    assert [(r["site"], r["level"]) for r in bad] == [("main", 5)]
    clerk = login(server, "carl", counter=2)
    assert clerk.post(f"{server.url}/api/v1/counters/2/call-next", timeout=5).ok
    kiosk = CentralClient(
        server.url,
        Credentials(facts["kiosk_id"], "hall-kiosk-1", server.url, base64.b64decode(facts["kiosk_secret_b64"])),
    )
    fresh = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))  # the enrolled kiosk still works
    assert fresh.number.startswith("A") and kiosk.settings().site.code == "main"
