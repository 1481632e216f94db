"""Two central nodes (separate processes, two workers each) on one PostgreSQL
database, as a city runs them behind a load balancer: every guarantee of one
node holds across both. Runs with KIOSK_TEST_DATABASE=postgresql (./scripts/test
does); each test is one of the failures found when this was first tried."""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
import time
import uuid
from collections import Counter

import pytest
import requests
from conftest import Central, add_staff, enrolled_clients, login, new_database, wait_until
from sqlalchemy import text
from test_counters_api import read_events

from central.db import MIGRATIONS
from common import signing
from common.tickets import LeaseRequest, TicketRequest
from kiosk.sync.client import CentralClient
from peers.central import BIN, CentralDatabase

HEAD = sorted(p.name for p in (MIGRATIONS / "versions").glob("0*.py"))[-1][:4]

pytestmark = [pytest.mark.central, pytest.mark.postgresql_only]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    root = tmp_path_factory.mktemp("nodes")
    url = new_database("two_nodes")
    shared = root / "secrets"  # what a secret store or configuration management hands every node
    quiet = "[statistics]\nfold_every_s = 86400\n"  # the statistics test does the folding itself
    a = Central(root / "a", workers=2, database_url=url, secrets_dir=shared, extra=quiet)
    a.start()
    b = Central(root / "b", workers=2, database_url=url, secrets_dir=shared, extra=quiet)
    b.start()
    yield a, b
    a.stop()
    b.stop()


def on(node: Central, client: CentralClient) -> CentralClient:
    """The same kiosk talking to another node (its credentials work on every node)."""
    return CentralClient(node.url, client.credentials)


def in_threads(count: int, work) -> list:
    """`work(i)` in `count` threads started together; their results (or exceptions)."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # kept: the test says which
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_tickets_from_both_nodes_are_unique_and_gap_free(nodes):
    a, b = nodes
    kiosks = enrolled_clients(a, [f"numbering-{i}" for i in range(16)])
    types = "ABCDE"

    def take_many(i):
        got = []
        for n in range(20):
            node = a if (i + n) % 2 else b
            kind = types[(i * 7 + n) % len(types)]  # every batch mixes types: number rows in many orders
            got.append(on(node, kiosks[i]).take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=kind)))
        return got

    results = in_threads(len(kiosks), take_many)
    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures[:3]
    tickets = [t for got in results for t in got]
    assert len(tickets) == 320 and len({t.id for t in tickets}) == 320
    for kind in types:
        numbers = sorted(int(t.number[1:]) for t in tickets if t.type == kind)
        assert numbers == list(range(1, len(numbers) + 1)), f"type {kind}: duplicates or gaps"


def test_one_request_sent_to_both_nodes_gets_one_ticket(nodes):
    """A proxy that retries on the other node, or a kiosk that does: the loser
    of the race is given the winner's ticket, not a 401 or a second ticket."""
    a, b = nodes
    (kiosk,) = enrolled_clients(a, ["twice"])
    creds = kiosk.credentials
    for _ in range(10):
        body = TicketRequest(request_id=uuid.uuid4().hex, type="C").model_dump_json().encode()
        headers = signing.sign(creds.secret, "POST", "/api/v1/tickets", body, creds.kiosk_id)
        headers["Content-Type"] = "application/json"
        answers = in_threads(
            2,
            lambda i, body=body, headers=headers: requests.post(
                f"{(a, b)[i].url}/api/v1/tickets", data=body, headers=headers, timeout=30
            ),
        )
        assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
        assert answers[0].json()["id"] == answers[1].json()["id"]


def test_two_counters_on_two_nodes_never_call_the_same_ticket(nodes):
    a, b = nodes
    add_staff(a, "nina")
    add_staff(a, "olaf")
    (kiosk,) = enrolled_clients(a, ["callers"])
    taken = [kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="B")) for _ in range(40)]
    stream: list = []
    stop, connected = threading.Event(), threading.Event()
    threading.Thread(
        target=read_events, args=(f"{b.url}/api/v1/events", stream, stop, None, connected), daemon=True
    ).start()
    assert connected.wait(10)
    staff = [(a, login(a, "nina", counter=3), 3), (b, login(b, "olaf", counter=4), 4)]  # both serve B

    def call_until_empty(i):
        node, session, counter = staff[i]
        called = []
        while True:
            reply = session.post(f"{node.url}/api/v1/counters/{counter}/call-next", timeout=30)
            assert reply.status_code == 200, reply.text
            if reply.json()["called"] is None:
                return called
            called.append(reply.json()["called"]["number"])

    first, second = in_threads(2, call_until_empty)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert not set(first) & set(second), "a ticket was called at two counters"
    called = first + second  # the tickets taken here and the B tickets earlier tests left waiting
    assert len(called) == len(set(called)) and {t.number for t in taken} <= set(called)
    # the stream on node B carried every call, both nodes' alike, in order and with no gap
    wait_until(
        lambda: len([e for e in stream if e["kind"] == "call"]) >= len(called), timeout=20, what="the calls on B"
    )
    stop.set()
    with a.db() as db:
        logged = [i for (i,) in db.execute("SELECT id FROM queue_events WHERE kind = 'call' ORDER BY id")]
    calls = [e for e in stream if e["kind"] == "call"]
    assert [e["id"] for e in calls] == logged[-len(called) :]
    assert sorted(e["number"] for e in calls) == sorted(called)


def test_an_enrollment_code_used_on_both_nodes_at_once_works_once(nodes):
    a, b = nodes
    codes = [json.loads(a.cli("kiosks", "add", f"race-{i}", "--json").stdout)["code"] for i in range(10)]
    for code in codes:
        answers = in_threads(
            2,
            lambda i, code=code: requests.post(
                f"{(a, b)[i].url}/api/v1/kiosks/enroll", json={"code": code, "version": "test"}, timeout=30
            ),
        )
        statuses = sorted(r.status_code for r in answers)
        assert statuses[0] == 200 and 400 <= statuses[1] < 500, [r.text for r in answers]


def test_simultaneous_lease_requests_get_disjoint_blocks(nodes):
    a, b = nodes
    kiosks = enrolled_clients(a, [f"lease-{i}" for i in range(8)])
    leases = in_threads(32, lambda i: on((a, b)[i % 2], kiosks[i % 8]).lease(LeaseRequest(type="D")))
    failures = [r for r in leases if isinstance(r, Exception)]
    assert not failures, failures[:3]
    per_kiosk: dict[int, set] = {}
    for i, lease in enumerate(leases):
        per_kiosk.setdefault(i % 8, set()).add((lease.first, lease.last))
    assert all(len(blocks) == 1 for blocks in per_kiosk.values()), "a kiosk asking again got a second block"
    blocks = sorted(next(iter(b)) for b in per_kiosk.values())
    assert all(prev[1] < nxt[0] for prev, nxt in itertools.pairwise(blocks)), blocks


def test_a_node_waiting_for_a_locked_row_keeps_answering(nodes):
    """Another transaction holds counter 5's row for seconds (a slow statement, a
    stuck client): the call waiting for it waits on a pool thread, and the node
    goes on answering health checks and tickets meanwhile."""
    a, _ = nodes
    add_staff(a, "quinn")
    session = login(a, "quinn", counter=5)
    (kiosk,) = enrolled_clients(a, ["patient"])
    kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="C"))
    holder = a.db().engine
    with holder.connect() as conn, conn.begin():
        conn.execute(
            text(
                "INSERT INTO counter_states (site, number, open, paused) VALUES ('main', 5, TRUE, FALSE) "
                "ON CONFLICT DO NOTHING"
            )
        )
        conn.execute(text("SELECT number FROM counter_states WHERE site = 'main' AND number = 5 FOR UPDATE"))
        waiting: list = []
        caller = threading.Thread(
            target=lambda: waiting.append(session.post(f"{a.url}/api/v1/counters/5/call-next", timeout=60))
        )
        caller.start()
        with a.db() as db:
            wait_until(
                lambda: db.execute("SELECT COUNT(*) FROM pg_locks WHERE NOT granted").fetchone()[0] > 0,
                what="the call waiting for the row lock",
            )
        slowest = 0.0
        for _ in range(10):
            t0 = time.perf_counter()
            assert requests.get(f"{a.url}/healthz", timeout=5).ok
            kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
            slowest = max(slowest, time.perf_counter() - t0)
        assert not waiting, "the call should still be waiting for the lock"
    caller.join(30)
    holder.dispose()
    assert waiting and waiting[0].status_code == 200
    assert slowest < 0.5, f"a health check and a ticket took {slowest:.2f} s while a call waited for a lock"


def test_a_login_burst_across_nodes_checks_only_what_the_lock_allows(nodes):
    """20 wrong passwords at once from one address, half to each node: the
    5 free failures and the one that starts the back-off are checked, the rest
    are refused without a password check (runs last: it blocks 127.0.0.1)."""
    a, b = nodes
    add_staff(a, "petra")
    answers = in_threads(
        20,
        lambda i: requests.post(
            f"{(a, b)[i % 2].url}/api/v1/staff/login",
            json={"username": "petra", "password": f"wrong-{i}"},
            timeout=60,
        ),
    )
    assert Counter(r.status_code for r in answers) == {401: 6, 429: 14}


def test_a_node_with_other_keys_refuses_to_start(nodes, tmp_path):
    a, _ = nodes
    stray = Central(tmp_path / "stray", database_url=a.database_url)  # its own, new secrets
    with pytest.raises(RuntimeError, match="central exited"):
        stray.start()
    log = stray.log.read_text()
    assert "master.key" in log and "id_hash.key" in log and "certificate-signing.key" in log
    assert "not the key(s) this database was set up with" in log
    assert "secrets_dir" in log and "copy them from a running node" in log


def test_two_upgrades_of_an_empty_database_at_once(tmp_path):
    url = new_database("upgrade_race")
    configs = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "central.toml").write_text(
            f'[storage]\ndata_dir = "{folder}"\nsecrets_dir = "{tmp_path / "secrets"}"\n[database]\nurl = "{url}"\n'
        )
        configs.append(folder / "central.toml")
    procs = [
        subprocess.Popen(
            [str(BIN / "kiosk-central"), "--config", str(c), "db", "upgrade"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in configs
    ]
    outcomes = [(p.wait(120), p.stderr.read()) for p in procs]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    with CentralDatabase(url) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert db.execute("SELECT COUNT(*) FROM central_keys").fetchone() == (3,)


def test_site_changes_on_both_nodes_at_once_all_land_and_reach_every_worker(nodes):
    """Configuration changed at runtime from both nodes together: every change lands
    (they queue on the config row), each one bumps the version, and within the
    directory's second every worker of both nodes issues the new business types."""
    a, b = nodes
    add_staff(a, "city-admin", "admin")
    admins = [login(a, "city-admin"), login(b, "city-admin")]
    codes = [f"N{i}" for i in range(8)]
    with a.db() as db:
        before = db.execute("SELECT version FROM site_config WHERE id = 1").fetchone()[0]

    def change(i: int):
        node, admin = (a, b)[i % 2], admins[i % 2]
        return admin.put(f"{node.url}/api/v1/sites/main/types/{codes[i]}", json={"name": f"业务{i}"}, timeout=30)

    replies = in_threads(len(codes), change)
    assert all(r.ok for r in replies), [r.text for r in replies if not r.ok]
    with a.db() as db:
        after = db.execute("SELECT version FROM site_config WHERE id = 1").fetchone()[0]
        stored = {r[0] for r in db.execute("SELECT code FROM business_types WHERE site = 'main'").fetchall()}
    assert after == before + len(codes) and set(codes) <= stored
    (kiosk,) = enrolled_clients(a, ["config-follower"])
    for node in (a, b):
        client = on(node, kiosk)
        wait_until(lambda c=client: set(codes) <= {q.type for q in c.queues().queues}, what="new types on every worker")
        for code in codes[:4]:  # several requests, so both workers of the node answer
            assert client.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=code)).number.startswith(code)


def test_ratings_made_on_both_nodes_reach_the_province_once_in_order(tmp_path):
    """Four delivery workers (two nodes, two workers each) share one outbox: one
    holds the lease at a time, so the province gets each rating once, in the
    order they were made; a case rated on both nodes at once is rated once."""
    from test_ratings import ID_CARD

    from peers.province import FakeProvince

    province = FakeProvince()
    shared = tmp_path / "secrets"
    shared.mkdir()
    (shared / "province.key").write_bytes(province.secret)
    sink = (
        f'[ratings.sink]\nkind = "http"\nurl = "{province.url}"\napp_key = "{province.app_key}"\n'
        'secret_file = "province.key"\ntimeout_s = 2\nretry_min_s = 0.2\nretry_max_s = 1\npoll_s = 0.2\n'
    )
    url = new_database("ratings_nodes")
    a = Central(tmp_path / "a", workers=2, database_url=url, secrets_dir=shared, extra=sink)
    a.start()
    b = Central(tmp_path / "b", workers=2, database_url=url, secrets_dir=shared, extra=sink)
    b.start()
    try:
        assert a.cli("catalog", "import", "assets/catalog/sample_catalog.json").returncode == 0
        add_staff(a, "alice")
        add_staff(a, "bob")
        clerks = {a: login(a, "alice", 1), b: login(b, "bob", 2)}
        (kiosk,) = enrolled_clients(a, ["rating-kiosk"])
        served = []  # (ticket id, case number), on alternate nodes and counters
        for i in range(6):
            node, counter = (a, 1) if i % 2 == 0 else (b, 2)
            ticket = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
            clerk = clerks[node]
            clerk.post(f"{node.url}/api/v1/counters/{counter}/call-next", timeout=5).raise_for_status()
            reply = clerk.post(
                f"{node.url}/api/v1/counters/{counter}/finish",
                json={"matters": [{"code": ID_CARD, "outcome": "completed"}]},
                timeout=5,
            )
            served.append((ticket.id, *reply.json()["cases"]))
        numbers = [case for _, case in served]
        assert len(set(numbers)) == 6  # one sequence across nodes

        ticket_id, contested = served[0]
        results = in_threads(
            2,
            lambda i: (
                requests.post(
                    f"{(a, b)[i].url}/api/v1/tickets/{ticket_id}/cases/{contested}/rating",
                    json={"level": 1 + i},
                    timeout=10,
                ).status_code
            ),
        )
        assert sorted(results) == [200, 409]
        for i, (ticket_id, case) in enumerate(served[1:]):
            node = (a, b)[i % 2]
            r = requests.post(
                f"{node.url}/api/v1/tickets/{ticket_id}/cases/{case}/rating", json={"level": 2}, timeout=5
            )
            assert r.ok, r.text
        wait_until(lambda: len(province.accepted) == 6, timeout=30)
        with CentralDatabase(url) as db:
            order = [
                row[0]
                for row in db.execute(
                    "SELECT r.case_number FROM rating_deliveries d JOIN ratings r ON r.id = d.rating_id ORDER BY d.id"
                ).fetchall()
            ]
        assert province.keys() == [f"110105-{n}" for n in order]
        time.sleep(1)  # (a second sender would show itself here: the province counts every request)
        assert province.requests == 6
    finally:
        a.stop()
        b.stop()
        province.close()


def test_the_audit_trail_stays_one_chain_when_both_nodes_append_at_once(nodes):
    """Staff on both nodes act together: every entry is chained to the one before it,
    none to the same predecessor (the head row is locked while an entry is added)."""
    a, b = nodes
    for name in ("uma", "vic"):
        add_staff(a, name, "manager")
    with a.db() as db:
        before = db.execute("SELECT count(*) FROM staff_audit").fetchone()[0]

    def act(i):
        node, name = (a, "uma") if i % 2 == 0 else (b, "vic")
        for _ in range(5):
            login(node, name)  # each login is an entry, written on that node
        return True

    assert in_threads(8, act) == [True] * 8
    # and writers without the HTTP round trip between entries, as tight as it gets
    from sqlalchemy import create_engine

    from central.audit import AuditTrail

    engine = create_engine(a.database_url, pool_size=8)
    trail = AuditTrail(engine)
    assert in_threads(8, lambda i: [trail.record(f"w{i}", "test", str(n)) for n in range(25)] and True) == [True] * 8
    engine.dispose()
    with a.db() as db:
        rows = db.execute("SELECT id, prev_hash, hash FROM staff_audit ORDER BY id").fetchall()
    assert len(rows) == before + 40 + 200
    links = [prev for _, prev, _ in rows]
    assert len(set(links)) == len(links)  # no two entries follow the same one
    result = a.cli("audit", "verify")
    assert result.returncode == 0, result.stderr
    assert f"{len(rows)} entries, every link holds" in result.stdout


def test_both_nodes_fold_the_same_days_at_once_and_count_kiosk_use_once(nodes):
    """Statistics on two nodes: six folders at once (three a node's worth of
    threads on each engine handle) fold every closed day exactly once and roll
    the month up once; usage reports sent to both nodes at once add up exactly
    (INSERT ... ON CONFLICT DO UPDATE), a repeated one counts once."""
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy import create_engine

    from central.config import load as load_central
    from central.rawsql import runner_for
    from central.sites.store import SiteDirectory
    from central.stats.store import StatsStore
    from common.wire import UsageReport

    a, b = nodes
    month = (date.today().replace(day=1) - timedelta(days=35)).replace(day=1)  # a month long closed
    with a.db() as db:
        for n, day in enumerate((month + timedelta(days=2), month + timedelta(days=9)), start=1):
            for i in range(5):
                at = datetime.combine(day, datetime.min.time().replace(hour=2 + i)).replace(tzinfo=None)
                db.execute(
                    "INSERT INTO tickets (id, site, service_day, type, issued_type, number, display, ticket_class, "
                    "state, order_rank, order_at, issued_at, counter, served_by, called_at, finished_at, offline) "
                    "VALUES (?, 'main', ?, 'A', 'A', ?, ?, 'normal', 'done', 1, ?, ?, 1, 'uma', ?, ?, FALSE)",
                    (
                        f"fold{n}-{i}",
                        day,
                        800 + i,
                        f"A{800 + i}",
                        at,
                        at,
                        at + timedelta(minutes=3),
                        at + timedelta(minutes=9),
                    ),
                )
    engines = [
        create_engine(node.database_url.replace("postgresql:", "postgresql+psycopg:", 1), pool_size=4)
        for node in (a, b)
    ]

    hours, minutes = map(int, load_central(a.config).queue.reset_at.split(":"))

    def fold(i):
        engine = engines[i % 2]
        directory = SiteDirectory(engine)
        directory.reload()
        store = StatsStore(engine, hours * 60 + minutes, runner_for(engine))
        return store.fold_pending(list(directory.get().sites.values()))

    folded = in_threads(6, fold)
    for engine in engines:
        engine.dispose()
    assert all(isinstance(n, int) for n in folded), folded
    with a.db() as db:
        days = db.execute("SELECT count(*) FROM stats_days").fetchone()[0]
        served = db.execute(
            "SELECT served, wait_n FROM stats_monthly WHERE dim = 'site' AND site = 'main' AND month = ?", (month,)
        ).fetchall()
    assert sum(folded) == days  # every day folded once, by one of the six
    assert served == [(10, 10)]  # the month rolled up once, from both days

    (kiosk,) = enrolled_clients(a, ["usage-kiosk"])
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    reports = [
        UsageReport(key=f"usage-{uuid.uuid4().hex}", hour=hour, guides={"G1": 1}, failed_searches={"fwj": 2})
        for _ in range(24)
    ]

    def send(i):
        node = kiosk if i % 2 == 0 else on(b, kiosk)
        for report in reports[i * 3 : i * 3 + 3]:
            node.report_usage(report)
        return on(a if i % 2 else b, kiosk).report_usage(reports[i * 3]).duplicate  # sent again: counted once

    assert in_threads(8, send) == [True] * 8
    with a.db() as db:
        counts = dict(db.execute("SELECT key, SUM(count) FROM kiosk_usage GROUP BY key").fetchall())
    assert counts == {"G1": 24, "fwj": 48}
