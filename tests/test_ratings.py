"""好差评 by GB/T 39734: a counter finishes a ticket with what it handled, each
matter a case; each case is rated once, through the window evaluator, the
ticket's phone page or a kiosk; bad reviews run their deadlines; every rating
reaches the province once, in order, through a sink that fails and comes back.
Central runs for real (both engines); the province is a loopback peer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import add_staff, central_config, enrolled_client, login, wait_until

from common.ratings import CaseQuery, KioskCaseRating, RatingRequest
from common.tickets import TicketRequest
from common.wire import CardPresented
from kiosk.sync.client import CentralError
from peers.central import Central
from peers.province import FakeProvince

CITIZEN = "11010519491231002X"
ID_CARD = "1199010207020010000001"  # 居民身份证办理, in the sample catalog
TEMP_CARD = "1199010207020020000001"  # 临时身份证办理


def set_display_name(server: Central, username: str, name: str) -> None:
    from central.config import load
    from central.staff import StaffStore
    from central.state import open_state

    state = open_state(load(server.config), migrate=False)
    try:
        StaffStore(state.engine).set_display_name(username, name)
    finally:
        state.engine.dispose()


def open_hall(directory, extra: str = "") -> tuple[Central, object]:
    server = Central(directory / "c", extra=extra)
    server.start()
    assert server.cli("catalog", "import", "assets/catalog/sample_catalog.json").returncode == 0
    for name in ("alice", "bob"):
        add_staff(server, name)
    add_staff(server, "mona", "manager")
    set_display_name(server, "alice", "李娜")
    return server, enrolled_client(server, "k", directory / "k")


@pytest.fixture
def hall(tmp_path):
    server, kiosk = open_hall(tmp_path)
    yield server, kiosk
    server.stop()


def serve(server, kiosk, clerk, counter: int, matters: list[tuple[str, str]]) -> tuple[object, list[str]]:
    """A citizen takes a ticket at the kiosk; the clerk calls and finishes it with `matters`."""
    ticket = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
    called = clerk.post(f"{server.url}/api/v1/counters/{counter}/call-next", timeout=5).json()["called"]
    assert called["number"] == ticket.number
    reply = clerk.post(
        f"{server.url}/api/v1/counters/{counter}/finish",
        json={"matters": [{"code": code, "outcome": outcome} for code, outcome in matters]},
        timeout=5,
    )
    assert reply.status_code == 200, reply.text
    return ticket, reply.json()["cases"]


def test_each_case_is_rated_once_through_every_channel(hall):
    server, kiosk = hall
    alice = login(server, "alice", 1)
    # a matter the catalog does not have: refused, and the ticket is still being served
    ticket = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
    alice.post(f"{server.url}/api/v1/counters/1/call-next", timeout=5).raise_for_status()
    unknown = alice.post(
        f"{server.url}/api/v1/counters/1/finish", json={"matters": [{"code": "99999999", "outcome": "completed"}]}
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_matter"
    assert requests.get(f"{server.url}/api/v1/tickets/{ticket.id}", timeout=5).json()["state"] in ("called", "serving")
    finished = alice.post(
        f"{server.url}/api/v1/counters/1/finish",
        json={"matters": [{"code": ID_CARD, "outcome": "completed"}, {"code": TEMP_CARD, "outcome": "accepted"}]},
    ).json()["cases"]
    # the default format: region, local date, a daily sequence
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    assert finished == [f"110105{today}000001", f"110105{today}000002"]
    one, two = finished

    # the window evaluator of counter 1: its link comes from the clerk's session
    link = alice.get(f"{server.url}/api/v1/counters/1/evaluator", timeout=5).json()
    view = requests.get(f"{server.url}/api/v1{link['path']}", timeout=5).json()
    assert (view["counter"], view["staff_name"]) == (1, "李娜")
    assert [(c["case_number"], c["matter_name"], c["rateable"]) for c in view["cases"]["cases"]] == [
        (two, "临时身份证办理", True),
        (one, "居民身份证办理", True),
    ]
    rate = f"{server.url}/api/v1{link['path']}/cases/{one}/rating"
    assert requests.post(rate, json={"level": 2}, timeout=5).json() == {
        "case_number": one,
        "level": 2,
        "follow_up": None,
    }
    again = requests.post(rate, json={"level": 1}, timeout=5)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    forged = link["path"].rsplit(".", 1)[0] + ".0123456789abcdef01234567"
    assert requests.get(f"{server.url}/api/v1{forged}", timeout=5).status_code == 404
    bob = login(server, "bob", 2)
    other = bob.get(f"{server.url}/api/v1/counters/2/evaluator", timeout=5).json()["path"]
    foreign = requests.post(f"{server.url}/api/v1{other}/cases/{two}/rating", json={"level": 1}, timeout=5)
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "not_your_case"

    # the ticket's phone page: the other case, a bad review
    cases = requests.get(f"{server.url}/api/v1/tickets/{ticket.id}/cases", timeout=5).json()["cases"]
    assert {c["case_number"]: (c["level"], c["rateable"]) for c in cases} == {one: (2, False), two: (None, True)}
    phone = f"{server.url}/api/v1/tickets/{ticket.id}/cases/{two}/rating"
    bad = requests.post(phone, json={"level": 5, "reasons": ["slow"], "text": "等了很久"}, timeout=5).json()
    assert bad["follow_up"] == "open"
    assert requests.post(phone, json={"level": 1}, timeout=5).status_code == 409
    wrong_ticket = requests.post(
        f"{server.url}/api/v1/tickets/nosuchticket/cases/{one}/rating", json={"level": 1}, timeout=5
    )
    assert wrong_ticket.status_code in (403, 409)

    # a kiosk: today's cases of a ticket number at its site; a retry of its rating is the same rating
    _, (three,) = serve(server, kiosk, alice, 1, [(ID_CARD, "correction")])
    number = requests.get(f"{server.url}/api/v1/tickets/{_.id}", timeout=5).json()["number"]
    found = kiosk.find_cases(CaseQuery(number=number)).cases
    assert [(c.case_number, c.outcome, c.counter_name) for c in found] == [(three, "correction", found[0].counter_name)]
    rating = KioskCaseRating(key=uuid.uuid4().hex, level=3)
    assert kiosk.rate_case(three, rating).level == 3
    assert kiosk.rate_case(three, rating).level == 3  # the outbox's retry: answered, not counted twice
    with pytest.raises(CentralError) as twice:
        kiosk.rate_case(three, KioskCaseRating(key=uuid.uuid4().hex, level=1))
    assert twice.value.code == "already_rated"

    # by the ID card: the holder's recent cases, found by the keyed hash of the card's number
    token = kiosk.present_card(CardPresented(number=CITIZEN, reader="virtual")).token
    mine = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A", citizen_token=token))
    alice.post(f"{server.url}/api/v1/counters/1/call-next", timeout=5).raise_for_status()
    (four,) = alice.post(
        f"{server.url}/api/v1/counters/1/finish", json={"matters": [{"code": TEMP_CARD, "outcome": "completed"}]}
    ).json()["cases"]
    assert [c.case_number for c in kiosk.find_cases(CaseQuery(citizen=token)).cases] == [four]
    assert kiosk.rate_case(four, KioskCaseRating(key=uuid.uuid4().hex, level=1, citizen=token)).level == 1
    with server.db() as db:
        person, rater = db.execute(
            "SELECT t.person_key, r.rater_key FROM tickets t JOIN cases c ON c.ticket_id = t.id "
            "JOIN ratings r ON r.case_number = c.case_number WHERE t.id = ?",
            (mine.id,),
        ).fetchone()
    assert person == rater and len(rater) == 64 and CITIZEN not in rater  # a keyed hash, never the number

    with server.db() as db:
        rows = db.execute(
            "SELECT r.channel, r.level, c.counter, c.staff, c.matter_code FROM ratings r "
            "JOIN cases c ON c.case_number = r.case_number ORDER BY r.id"
        ).fetchall()
    assert rows == [
        ("window", 2, 1, "alice", ID_CARD),
        ("qr", 5, 1, "alice", TEMP_CARD),
        ("terminal", 3, 1, "alice", ID_CARD),
        ("terminal", 1, 1, "alice", TEMP_CARD),
    ]
    # the clerk sees their own figures and the comments, never who rated nor which case
    figures = alice.get(f"{server.url}/api/v1/staff/me/ratings", timeout=5).json()
    assert figures["summary"]["count"] == 4 and figures["summary"]["by_level"]["5"] == 1
    assert figures["comments"] == [
        {
            "level": 5,
            "reasons": ["slow"],
            "text": "等了很久",
            "day": figures["comments"][0]["day"],
            "matter_name": "临时身份证办理",
        }
    ]
    mona = login(server, "mona")
    review = mona.get(f"{server.url}/api/v1/ratings/bad", timeout=5).json()["reviews"][0]
    assert review["case_number"] == two and review["staff"] == "alice" and review["counter"] == 1
    assert not {"rater_key", "kiosk_id", "key", "person_key"} & set(review)


def test_a_bad_review_runs_its_deadlines_on_a_controllable_clock(tmp_path):
    """Deadlines in working days of the site (its weekdays, not its holidays),
    escalation once per missed deadline, steps in order with who took them,
    and the end of the rating period; the clock is the test's."""
    from central.config import RatingsSection
    from central.ratings.cases import CaseRules, MatterEntry, open_cases
    from central.ratings.service import RatingError, RatingService
    from central.rawsql import runner_for
    from central.sites.model import Hours
    from central.sites.store import SiteDirectory, SiteStore
    from central.state import open_state
    from common.ratings import CaseRating, HandledMatter

    config = central_config(tmp_path, ratings=RatingsSection(contact_hours=24, follow_up_days=2, close_days=3))
    state = open_state(config)
    sites = SiteDirectory(state.engine)
    SiteStore(state.engine, on_change=sites.reload).update_site(
        "main", hours=Hours("09:00", "17:00", (1, 2, 3, 4, 5), ("2026-12-07",))
    )
    sites.reload()
    now = [datetime(2026, 12, 4, 2, 0, tzinfo=UTC)]  # Friday 10:00 in Shanghai
    service = RatingService(config, state.engine, sites, clock=lambda: now[0])
    rules = CaseRules("{site}-{date}-{seq:04d}", "110105", timedelta(days=7), sites.get().first.tz)
    entry = MatterEntry(ID_CARD, "居民身份证办理", "11110000000000000A")
    with runner_for(state.engine).write() as db:
        numbers = open_cases(
            db,
            rules,
            site="main",
            ticket_id="t1",
            counter=3,
            staff="alice",
            handled=[(entry, HandledMatter(code=ID_CARD, outcome="completed"))] * 2,
            now=now[0],
        )
    assert numbers == ["main-20261204-0001", "main-20261204-0002"]
    assert service.rate_case(numbers[0], CaseRating(level=4, reasons=("attitude",)), "window").follow_up == "open"
    review = service.bad_reviews()[0]
    # contact within 24 h; resolve by the end of the 2nd working day after Friday (Mon 7th is a holiday):
    # Tue 8th, Wed 9th -> due Thursday 00:00 local; close (3 working days): Thu 10th -> due Friday 00:00
    assert review["contact_due"] == "2026-12-05T02:00:00+00:00"
    assert review["resolve_due"] == "2026-12-09T16:00:00+00:00"
    assert review["close_due"] == "2026-12-10T16:00:00+00:00"
    assert service.sweep() == 0

    now[0] += timedelta(hours=25)  # nobody called the citizen
    assert service.sweep() == 1 and service.sweep() == 0  # once per missed deadline
    review = service.bad_reviews()[0]
    assert review["escalation"] == 1 and review["overdue"]
    assert [(s["step"], s["staff"]) for s in review["steps"]] == [("escalated", "system")]
    with pytest.raises(RatingError) as early:
        service.follow_up(numbers[0], "resolved", "", "mona")
    assert early.value.code == "wrong_step"
    assert service.follow_up(numbers[0], "contacted", "电话回访，群众反映窗口态度生硬", "mona") == "contacted"
    now[0] = datetime(2026, 12, 9, 17, 0, tzinfo=UTC)  # past the resolve deadline
    assert service.sweep() == 1
    assert service.follow_up(numbers[0], "resolved", "已对窗口人员批评教育", "mona") == "resolved"
    assert service.follow_up(numbers[0], "closed", "群众表示满意", "mona") == "closed"
    assert service.sweep() == 0  # closed before its close deadline
    review = service.bad_reviews()[0]
    assert [(s["step"], s["staff"]) for s in review["steps"]] == [
        ("escalated", "system"),
        ("contacted", "mona"),
        ("escalated", "system"),
        ("resolved", "mona"),
        ("closed", "mona"),
    ]
    assert review["state"] == "closed" and not review["overdue"]
    # the second case: its rating period (7 days) is over
    now[0] = datetime(2026, 12, 11, 2, 1, tzinfo=UTC)
    with pytest.raises(RatingError) as late:
        service.rate_case(numbers[1], CaseRating(level=1), "qr")
    assert late.value.code == "rating_closed"
    state.engine.dispose()


def test_every_rating_reaches_the_province_once_and_in_order(tmp_path):
    """The province is down, then slow (it stores, but answers after central gave
    up), then back: each rating arrives once, in the order they were made; a
    rating it refuses is listed for the manager with its reason and can be sent again."""
    province = FakeProvince()
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "province.key").write_bytes(province.secret)
    province.mode = "down"
    server, kiosk = open_hall(
        tmp_path,
        extra=f'[ratings.sink]\nkind = "http"\nurl = "{province.url}"\napp_key = "{province.app_key}"\n'
        f'secret_file = "{secrets / "province.key"}"\ntimeout_s = 1\nretry_min_s = 0.2\nretry_max_s = 1\npoll_s = 0.2\n',
    )
    try:
        alice = login(server, "alice", 1)
        _, cases = serve(server, kiosk, alice, 1, [(ID_CARD, "completed"), (TEMP_CARD, "completed")])
        _, (third,) = serve(server, kiosk, alice, 1, [(ID_CARD, "rejected")])
        for i, case in enumerate([*cases, third]):
            kiosk.rate_case(case, KioskCaseRating(key=uuid.uuid4().hex, level=1 + i))
            own = kiosk.rate(
                RatingRequest(key=uuid.uuid4().hex, level=1, subject="guide", subject_ref=ID_CARD, at=datetime.now(UTC))
            )
            assert not own.duplicate
        wait_until(lambda: province.requests >= 3, timeout=10)
        assert province.accepted == []
        province.mode = "slow"
        wait_until(lambda: len(province.accepted) >= 1, timeout=10)
        province.refuse[cases[1]] = "事项编码未在省级事项库中"
        province.mode = "ok"
        wait_until(lambda: len(province.accepted) == 5, timeout=20)
        with server.db() as db:
            order = [
                r[0]
                for r in db.execute(
                    "SELECT r.case_number FROM rating_deliveries d JOIN ratings r ON r.id = d.rating_id ORDER BY d.id"
                ).fetchall()
            ]
        expected = [f"110105-{n}" for n in order if n != cases[1]]
        assert (
            province.keys() == expected
        )  # once each (a re-send after a lost reply was taken as a duplicate), in order
        first = province.accepted[0]
        assert (
            first["caseNumber"],
            first["matterCode"],
            first["channel"],
            first["level"],
            first["counter"],
            first["staffId"],
        ) == (cases[0], ID_CARD, "terminal", "1", "1", "alice")
        assert first["ratedAt"].endswith("+08:00") and first["regionCode"] == "110105" and province.bad_signatures == 0
        mona = login(server, "mona")
        report = mona.get(f"{server.url}/api/v1/ratings/deliveries", timeout=5).json()
        assert [(r["case_number"], r["reason"]) for r in report["refused"]] == [
            (cases[1], "E1002: 事项编码未在省级事项库中")
        ]
        assert report["delivered"] == 5 and report["pending"] == 0
        del province.refuse[cases[1]]
        assert mona.post(
            f"{server.url}/api/v1/ratings/deliveries/{report['refused'][0]['id']}/send-again", timeout=5
        ).ok
        wait_until(lambda: len(province.accepted) == 6, timeout=10)
        assert province.keys()[-1] == f"110105-{cases[1]}"
    finally:
        server.stop()
        province.close()


def test_the_outbox_keeps_order_backs_off_and_never_sends_twice(tmp_path):
    """The delivery worker on a clock the test moves, with the virtual sink:
    the head of the line blocks and is retried after a doubling pause; a refusal
    is final and the line moves on; a second worker holding no lease sends
    nothing. The file sink writes one line per rating, once."""
    from central.config import RatingSinkSection, RatingsSection
    from central.ratings.delivery import RatingDelivery, delivery_state
    from central.ratings.service import RatingService
    from central.ratings.sink import FileRatingSink, VirtualRatingSink
    from central.state import open_state

    sink_cfg = RatingSinkSection(retry_min_s=10, retry_max_s=40)
    config = central_config(tmp_path, ratings=RatingsSection(sink=sink_cfg))
    state = open_state(config)
    now = [datetime(2026, 12, 2, 2, 0, tzinfo=UTC)]
    service = RatingService(config, state.engine, clock=lambda: now[0])
    made = []
    for level in (1, 5, 2):
        case, _ = service.record(
            "kiosk-1",
            RatingRequest(key=uuid.uuid4().hex, level=level, subject="hall", reasons=(), at=now[0]),
        )
        made.append(case)
    sink = VirtualRatingSink(down=True)
    tz = ZoneInfo("Asia/Shanghai")
    worker = RatingDelivery(state.engine, config.ratings, sink, tz, clock=lambda: now[0], node="a")
    other = RatingDelivery(state.engine, config.ratings, sink, tz, clock=lambda: now[0], node="b")
    worker.backoff = lambda attempts: timedelta(seconds=min(40, 10 * 2 ** (attempts - 1)))  # no jitter here
    assert worker.run_once() == pytest.approx(5.0)  # down: retry in 10 s, look again within poll_s
    assert sink.received == [] and delivery_state(state.engine)["head_attempts"] == 1
    now[0] += timedelta(seconds=5)
    worker.run_once()  # not due yet: no attempt
    assert delivery_state(state.engine)["head_attempts"] == 1
    now[0] += timedelta(seconds=6)
    worker.run_once()
    assert delivery_state(state.engine)["head_attempts"] == 2  # then 20 s
    sink.down, sink.refuse = False, {made[1]: "E1002: unknown matter"}
    assert other.run_once() > 0 and sink.received == []  # the lease is a's: b sends nothing
    now[0] += timedelta(seconds=21)
    worker.run_once()
    assert [r.case_number for r in sink.received] == [made[0], made[2]]  # in order, the refused one skipped
    report = delivery_state(state.engine)
    assert report["delivered"] == 2 and [(r["case_number"], r["reason"]) for r in report["refused"]] == [
        (made[1], "E1002: unknown matter")
    ]
    first = worker.province_rating(1)
    assert (
        first.channel == "terminal" and first.rated_at == "2026-12-02T10:00:00+08:00" and first.level_name == "非常满意"
    )

    files = FileRatingSink(tmp_path / "province")
    assert files.deliver(first).outcome == "delivered" and files.deliver(first).outcome == "delivered"
    written = (tmp_path / "province" / "ratings-20261202.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(written) == 1 and '"caseNumber":"' + made[0] + '"' in written[0]
    state.engine.dispose()


def test_a_case_rated_at_a_kiosk_while_central_is_away_waits_in_its_outbox(tmp_path):
    """Offline, the kiosk keeps the rating under its key and sends it when central
    answers; a second rating of the same case, queued the same way, is refused for
    good (kept in the outbox with central's reason), never counted."""
    from kiosk.ratings import RatingService as KioskRatings
    from kiosk.sync.client import CentralClient
    from kiosk.sync.outbox import Outbox, OutboxWorker
    from kiosk.sync.senders import senders_for

    server, kiosk = open_hall(tmp_path)
    try:
        _, (case,) = serve(server, kiosk, login(server, "alice", 1), 1, [(ID_CARD, "completed")])
        away = CentralClient("http://127.0.0.1:9", kiosk.credentials, timeout_s=1)  # nothing listens there
        outbox = Outbox(tmp_path / "outbox.db")
        ratings = KioskRatings(outbox, None, away)
        assert ratings.rate_case(case, 4, ("slow", "bribe"), "等了很久，身份证号11010519491231002X") == "queued"
        assert ratings.rate_case(case, 1) == "queued"
        worker = OutboxWorker(outbox, senders_for(kiosk))  # central is back
        worker.deliver_due(ignore_backoff=True)
        assert outbox.counts("case_rating") == {"ready": 0, "in_flight": 0, "acked": 1, "failed": 1}
        (error,) = [row[0] for row in outbox.read("SELECT last_error FROM outbox WHERE state = 'failed'")]
        assert error.startswith("already_rated")
        with server.db() as db:
            stored = db.execute("SELECT channel, level, reasons, text FROM ratings WHERE case_number = ?", (case,))
            assert stored.fetchall() == [("terminal", 4, "slow", "等了很久，身份证号1101**********002X")]
    finally:
        server.stop()
