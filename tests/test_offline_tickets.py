"""Offline-first tickets through a real central: leased number blocks, a
network partition and its healing, the merge in issue-time order, print
records and faults delivered once, pushed settings and the catalog's ETag."""

from __future__ import annotations

import pytest
import requests
from conftest import REPO, wait_until
from unattended import central_db, hall_with_printer, printed_ids

from common.tickets import LeaseRequest
from kiosk import config as kiosk_config
from kiosk.services import build_services
from kiosk.sync.client import CentralError
from peers.kiosk_setup import enrolled_kiosk

pytestmark = pytest.mark.central
SAMPLE = REPO / "assets" / "catalog" / "sample_catalog.json"


@pytest.fixture
def hall(tmp_path):
    with hall_with_printer(tmp_path / "c", "offline_block_size = 5") as running:
        yield running


def kiosk(server, printer, tmp_path, name):
    services = build_services(kiosk_config.load(enrolled_kiosk(server, name, tmp_path / name, printer.port)))
    assert services.heartbeat.beat_once().online  # leases, settings, clock offset
    return services


def test_leases_are_disjoint_per_kiosk_and_cover_today_and_tomorrow(hall, tmp_path):
    server, printer = hall
    one, two = kiosk(server, printer, tmp_path, "k1"), kiosk(server, printer, tmp_path, "k2")
    blocks = {}
    for services in (one, two):
        leases = services.offline.leases()
        assert {(lease["type"]) for lease in leases} == {"A", "B", "C", "D", "E"}
        assert len({lease["service_day"] for lease in leases}) == 2  # today and tomorrow
        for lease in leases:
            blocks.setdefault((lease["service_day"], lease["type"]), []).append(
                range(lease["first"], lease["last"] + 1)
            )
    for ranges in blocks.values():
        assert len(ranges) == 2 and not set(ranges[0]) & set(ranges[1]) and min(ranges[0]) >= 900
    again = one.offline.central.lease(LeaseRequest(type="A"))  # asking again: the same untouched block
    assert one.offline.refill(["A"], again.service_day, force=True) == 0
    assert one.offline.numbers_left("A") == 5
    with pytest.raises(CentralError) as err:
        one.offline.central.lease(LeaseRequest(type="Z"))
    assert err.value.code == "unknown_type"


def test_partition_issues_offline_tickets_that_merge_in_issue_order(hall, tmp_path):
    server, printer = hall
    services = kiosk(server, printer, tmp_path, "k1")
    tickets = services.tickets
    first = tickets.take("A")
    assert first.ticket.number == "A001" and not first.ticket.offline and first.printed.ok

    server.stop()  # the partition: central unreachable
    offline = [tickets.take("A"), tickets.take("A"), tickets.take("B")]
    assert [r.ticket.number for r in offline] == ["A900", "A901", "B900"]
    assert all(r.ticket.offline and r.printed.ok and not r.error for r in offline)
    assert offline[0].ticket.url.endswith(f"/t/{offline[0].ticket.id}")
    wait_until(  # on paper, with the QR (the printer files a job once the connection closes)
        lambda: set(printed_ids(printer.jobs)) >= {r.ticket.id for r in offline},
        timeout=10,
        what="offline tickets on paper",
    )
    assert services.outbox.backlog() >= 6  # 3 tickets, 3 print records, the cancelled attempts
    assert services.health().offline_numbers == 5 * 5 - 3

    server.start()  # healed
    later = tickets.take("A")
    assert later.ticket.number == "A002" and not later.ticket.offline
    assert services.outbox.drain(30, services.outbox_worker) and services.outbox.counts()["failed"] == 0
    status = requests.get(f"{server.url}/api/v1/tickets/{later.ticket.id}", timeout=5).json()
    assert status["people_ahead"] == 3  # A001, then the two offline A tickets, issued before it
    with central_db(server) as db:
        rows = db.execute(
            "SELECT display, offline, kiosk_issued_at IS NOT NULL FROM tickets WHERE type = 'A' "
            "AND state = 'waiting' ORDER BY order_rank, order_at, number"
        ).fetchall()
        assert rows == [("A001", 0, 0), ("A900", 1, 1), ("A901", 1, 1), ("A002", 0, 0)]
        prints = db.execute("SELECT number, outcome FROM ticket_prints ORDER BY id").fetchall()
        assert sorted(prints) == sorted([(r.ticket.number, "printed") for r in [first, *offline, later]])
        cancelled = db.execute("SELECT COUNT(*) FROM tickets WHERE state = 'cancelled'").fetchone()[0]
        assert cancelled == 0  # the attempts during the partition never reached central: nothing to cancel
    assert services.outbox.drain(5, services.outbox_worker)  # delivering again changes nothing
    with central_db(server) as db:
        assert db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 5
        assert db.execute("SELECT COUNT(*) FROM ticket_prints").fetchone()[0] == 5


def test_a_lost_reply_is_cancelled_at_central_when_the_kiosk_falls_back(hall, tmp_path):
    """Central issued the ticket but the kiosk never saw the answer: the
    citizen gets an offline ticket and the lost one is cancelled, not called."""
    server, printer = hall
    services = kiosk(server, printer, tmp_path, "k1")
    real_take = services.central.take_ticket
    issued = []

    def reply_lost(request):
        issued.append(real_take(request))  # central stores it...
        raise CentralError("network", "read timed out")  # ...and the answer never arrives

    services.central.take_ticket = reply_lost
    result = services.tickets.take("C")
    assert result.ticket.offline and result.ticket.number == "C900" and len(issued) == 2
    assert services.outbox.drain(30, services.outbox_worker)
    with central_db(server) as db:
        assert db.execute("SELECT display, state FROM tickets WHERE type = 'C' ORDER BY number").fetchall() == [
            ("C001", "cancelled"),
            ("C900", "waiting"),
        ]


def test_paper_out_is_reported_as_a_fault_once_and_cleared(hall, tmp_path):
    server, printer = hall
    services = kiosk(server, printer, tmp_path, "k1")
    printer.paper = "out"
    for _ in range(3):
        assert services.tickets.take("A").printed.reason == "paper_out"
    printer.paper = "ok"
    assert services.tickets.take("A").printed.ok
    assert services.outbox.drain(30, services.outbox_worker)
    with central_db(server) as db:
        faults = db.execute("SELECT device, reason FROM kiosk_faults ORDER BY at, id").fetchall()
        prints = db.execute("SELECT outcome, reason FROM ticket_prints ORDER BY id").fetchall()
    assert faults == [("ticket_printer", "paper_out"), ("ticket_printer", "cleared")]
    assert prints == [("failed", "paper_out")] * 3 + [("printed", "")]


def test_settings_pushed_from_central_switch_maintenance_and_hours(hall, tmp_path):
    server, printer = hall
    services = kiosk(server, printer, tmp_path, "k1")
    assert services.settings.current.version == 0 and services.settings.mode() in ("normal", "after_hours")
    out = server.cli(
        "kiosks",
        "settings",
        "open_time=00:00",
        "close_time=24:00",
        "open_days=1,2,3,4,5,6,7",
        "notice_zh=今日系统升级",
        "max_copies=2",
    )
    assert out.returncode == 0, out.stderr
    services.heartbeat.beat_once()  # the reply says the version changed: fetched and applied, no restart
    assert services.settings.current.notice_zh == "今日系统升级" and services.settings.mode() == "normal"
    assert services.certificates.max_copies == 2  # the kiosk allows 3; central's push lowers it
    assert server.cli("kiosks", "maintenance", "k1", "on").returncode == 0
    services.heartbeat.beat_once()
    assert services.settings.mode() == "maintenance"
    etag = services.settings.current.etag
    assert services.central.settings(if_none_match=etag) is None  # 304: unchanged
    bad = server.cli("kiosks", "settings", "open_time=25:00")
    assert bad.returncode != 0 and "open_time" in bad.stderr
    restarted = build_services(services.config)  # kept on disk
    assert restarted.settings.mode() == "maintenance"


def test_catalog_sync_answers_304_when_current(hall, tmp_path):
    server, printer = hall
    assert server.cli("catalog", "import", str(SAMPLE)).returncode == 0
    services = kiosk(server, printer, tmp_path, "k1")
    first = services.catalog.sync(services.central)
    assert first.full
    assert services.central.catalog(first.version, if_none_match=f'"catalog-{first.version}"') is None
    again = services.catalog.sync(services.central)
    assert again.changed == 0 and again.version == first.version


def test_a_back_dated_offline_ticket_cannot_jump_the_queue(hall, tmp_path):
    """A stolen credential delivers an 'offline' ticket claiming it was issued
    hours ago, with a clock offset of its own invention: central places it by
    the offset it measured itself, and refuses a time before the lease."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from common.tickets import OfflineTicket

    server, printer = hall
    services = kiosk(server, printer, tmp_path, "k1")
    early = [services.tickets.take("A").ticket for _ in range(3)]  # people already waiting
    lease = services.offline.central.lease(LeaseRequest(type="A"))
    client = services.offline.central

    def deliver(number: int, issued_at: datetime, offset: float):
        return client.deliver_offline_ticket(
            OfflineTicket(
                request_id=uuid.uuid4().hex,
                id=uuid.uuid4().hex[:16],
                lease_id=lease.id,
                type="A",
                number=number,
                issued_at=issued_at,
                clock_offset_s=offset,
            )
        )

    now = datetime.now(UTC)
    with pytest.raises(CentralError) as err:  # before its block was even leased
        deliver(lease.first, now - timedelta(hours=3), 0.0)
    assert err.value.code == "outside_lease_day" and "check the kiosk's clock" in str(err.value)
    # the same, hidden in an invented clock offset: central uses the offset it measured
    deliver(lease.first, now, -3 * 3600.0)
    deliver(lease.first + 1, now, 0.0)  # an honest one
    with central_db(server) as db:
        order = [
            d
            for (d,) in db.execute(
                "SELECT display FROM tickets WHERE type = 'A' AND state = 'waiting' ORDER BY order_rank, order_at, number"
            )
        ]
    assert order[:3] == [t.number for t in early]  # nobody is overtaken
    assert sorted(order[3:]) == [f"A{lease.first:03d}", f"A{lease.first + 1:03d}"]
