"""The queue engine on a real database: numbering, daily reset, range,
idempotency, real-name rules, priority and appointment ordering."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import central_config, wait_until
from sqlalchemy import insert

from central import citizens, fleet
from central.config import QueueSection
from central.queue.engine import QueueEngine, QueueError, TicketOrder
from central.queue.store import QueueStore
from central.state import open_state
from common import wire
from common.tickets import TicketRequest

NOON = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
PERSON = "a" * 64
OTHER = "b" * 64
_ids = itertools.count(1)


def make_engine(tmp_path, **queue) -> QueueEngine:
    cfg = central_config(tmp_path, queue=replace(QueueSection(), **queue))
    return QueueEngine(cfg, QueueStore(open_state(cfg).engine))


def present(engine, person, kiosk="k1", until=NOON + timedelta(minutes=15)) -> str:
    """A citizen token for `person` at `kiosk`, as POST /citizens/present leaves it."""
    token = secrets.token_urlsafe(32)
    with engine.store.engine.begin() as conn:
        conn.execute(
            insert(citizens.presences).values(
                token_hash=citizens.token_hash(token),
                kiosk_id=kiosk,
                person_key=person,
                province="11",
                presented_at=until.replace(tzinfo=None) - timedelta(minutes=15),
                expires_at=until.replace(tzinfo=None),
            )
        )
    return token


def take(engine, kind="A", kiosk="k1", now=NOON, person=None, **extra):
    if person:
        extra["citizen_token"] = present(engine, person, kiosk, now + timedelta(minutes=15))
    return engine.issue(kiosk, TicketRequest(request_id=f"req-{next(_ids):06d}", type=kind, **extra), now)


def test_numbers_per_type_and_display(tmp_path):
    q = make_engine(tmp_path)
    assert [take(q, "A").number for _ in range(3)] == ["A001", "A002", "A003"]
    assert take(q, "B").number == "B001"
    t = take(q, "A")
    assert t.number == "A004" and t.people_ahead == 3 and t.counters == ("1号窗口", "2号窗口", "6号窗口")
    assert t.url.endswith(f"/t/{t.id}") and len(t.id) >= 16


def test_daily_reset_at_the_configured_local_time(tmp_path):
    q = make_engine(tmp_path, reset_at="06:00")
    before = datetime(2026, 11, 21, 21, 59, tzinfo=UTC)  # 05:59 next day in Shanghai
    after = datetime(2026, 11, 21, 22, 1, tzinfo=UTC)  # 06:01
    first = take(q, now=NOON)
    late = take(q, now=before)
    fresh = take(q, now=after)
    assert (first.number, late.number, fresh.number) == ("A001", "A002", "A001")
    assert late.service_day == first.service_day and fresh.service_day == first.service_day + timedelta(days=1)


def test_range_exhausted_says_so_and_leaves_no_gap(tmp_path):
    q = make_engine(tmp_path, first_number=1, last_number=3, offline_first_number=0)
    assert [take(q).number for _ in range(3)] == ["A001", "A002", "A003"]
    for _ in range(2):
        with pytest.raises(QueueError) as err:
            take(q)
        assert err.value.code == "range_exhausted" and "A001-A003" in err.value.message
    assert take(q, "B").number == "B001"  # other types are unaffected


def test_a_retried_request_returns_the_same_ticket(tmp_path):
    q = make_engine(tmp_path)
    req = TicketRequest(request_id="same-request-1", type="A")
    first, again = q.issue("k1", req, NOON), q.issue("k1", req, NOON)
    assert first.id == again.id and first.number == again.number
    assert q.issue("k2", req, NOON).number == "A002"  # idempotency keys are per kiosk


def test_real_name_rules(tmp_path):
    q = make_engine(tmp_path, daily_limit_per_person=2)
    t = take(q, "A", person=PERSON)
    assert t.real_name
    with pytest.raises(QueueError) as err:
        take(q, "A", person=PERSON)
    assert err.value.code == "already_queued" and t.number in err.value.message
    take(q, "B", person=PERSON)
    with pytest.raises(QueueError) as err:
        take(q, "C", person=PERSON)
    assert err.value.code == "daily_limit_reached"
    assert take(q, "A", person=OTHER).number == "A002"
    with pytest.raises(QueueError) as err:
        take(q, "A", priority="elderly")
    assert err.value.code == "priority_needs_card" and err.value.status == 422


def test_green_channel_goes_first(tmp_path):
    q = make_engine(tmp_path)
    a1 = take(q, now=NOON)
    a2 = take(q, now=NOON + timedelta(minutes=1))
    v3 = take(q, now=NOON + timedelta(minutes=2), person=PERSON, priority="elderly")
    assert v3.number == "VA003" and v3.ticket_class == "priority" and v3.people_ahead == 0
    assert q.status(a1.id).people_ahead == 1 and q.status(a2.id).people_ahead == 2


def test_appointments_join_at_their_slot_time(tmp_path):
    q = make_engine(tmp_path)
    slot = NOON + timedelta(minutes=20)
    booking = q.book("C", PERSON, slot, 30)
    early = take(q, "C", now=NOON)  # arrived before the slot time: ahead of the appointment
    with pytest.raises(QueueError) as err:
        take(q, "A", now=slot - timedelta(minutes=31), booking_code=booking.code)
    assert err.value.code == "booking_too_early"
    y = take(q, "A", now=NOON + timedelta(minutes=5), booking_code=booking.code.lower())
    assert y.number == "YC002" and y.type == "C" and y.ticket_class == "appointment" and y.people_ahead == 1
    later = take(q, "C", now=NOON + timedelta(minutes=25))  # arrived after the slot time: behind it
    assert later.people_ahead == 2 and q.status(early.id).people_ahead == 0
    with pytest.raises(QueueError) as err:
        take(q, "C", now=NOON + timedelta(minutes=6), booking_code=booking.code)
    assert err.value.code == "booking_not_found"  # a booking checks in once


def test_check_in_by_card_and_the_late_window(tmp_path):
    q = make_engine(tmp_path, appointment_late_min=15)
    slot = NOON + timedelta(minutes=30)
    q.book("B", PERSON, slot)
    with pytest.raises(QueueError) as err:
        take(q, "A", now=slot + timedelta(minutes=16), person=PERSON, appointment=True)
    assert err.value.code == "booking_too_late"
    y = take(q, "A", now=slot + timedelta(minutes=10), person=PERSON, appointment=True)
    assert y.number == "YB001"
    with pytest.raises(QueueError) as err:
        take(q, "A", now=slot, person=OTHER, appointment=True)
    assert err.value.code == "booking_not_found"


def test_estimates_grow_with_the_queue(tmp_path):
    q = make_engine(tmp_path)
    first = take(q, "C")
    assert (first.wait_low_min, first.wait_high_min) == (0, 3)  # free counters: only the margin
    waits = [take(q, "C").wait_low_min for _ in range(12)]
    assert waits == sorted(waits) and waits[-1] > waits[0]
    info = {i.type: i for i in q.queues(NOON).queues}
    assert info["C"].waiting == 13 and info["A"].waiting == 0


def test_a_batch_issues_what_it_can_and_refuses_the_rest_alone(tmp_path):
    """issue_many (group commit): each order in a savepoint of its own; a
    refused one leaves no number, no nonce and no ticket behind."""
    q = make_engine(tmp_path, daily_limit_per_person=5)
    state = open_state(central_config(tmp_path))
    with state.sessions() as db:  # nonces belong to an enrolled kiosk
        kiosk, _secret = fleet.enroll(
            db, state.master_key, wire.EnrollRequest(code=fleet.add_kiosk(db, "batch", 24).code, version="test")
        )

    def order(kind, rid, nonce=None, **extra):
        return TicketOrder(
            kiosk.id,
            TicketRequest(request_id=rid, type=kind, **extra),
            nonce,
        )

    results = q.issue_many(
        [
            order("A", "batch-req-01", "nonce-0001"),
            order("Z", "batch-req-02", "nonce-0002"),  # unknown type
            order("A", "batch-req-03", "nonce-0001"),  # a replayed nonce
            order("A", "batch-req-01", "nonce-0004"),  # the first request again: the same ticket
            order("B", "batch-req-05", "nonce-0005", citizen_token=present(q, PERSON, kiosk.id)),
            order("B", "batch-req-06", "nonce-0006", citizen_token=present(q, PERSON, kiosk.id)),  # already queued
            order("A", "batch-req-07", "nonce-0007"),
        ],
        NOON,
    )
    kinds = [type(r).__name__ for r in results]
    assert kinds == [
        "TicketReply",
        "QueueError",
        "UniqueViolation",
        "TicketReply",
        "TicketReply",
        "QueueError",
        "TicketReply",
    ]
    assert (results[1].code, results[5].code) == ("unknown_type", "already_queued")
    assert results[3].id == results[0].id
    assert [results[i].number for i in (0, 4, 6)] == ["A001", "B001", "A002"]  # no gap left by the refusals
    assert results[6].people_ahead == 1  # the batch sees its own earlier tickets
    again = q.issue_many([order("A", "batch-req-08", "nonce-0002")], NOON)[0]  # the refused order's nonce is free
    assert again.number == "A003"


def test_an_old_estimate_is_refreshed_behind_the_ticket_not_before_it(tmp_path):
    q = make_engine(tmp_path)
    take(q, "C")
    day = q.service_day(NOON)
    key = ("main", day)
    stale = q._curves[key]
    stale.at -= 60
    before = time.monotonic()
    ticket = take(q, "C")  # answered from the stale curve
    assert ticket.wait_high_min >= ticket.wait_low_min
    wait_until(lambda: q._curves[key] is not stale, what="the curve to be refreshed in the background")
    assert q._curves[key].at >= before


def test_booking_from_the_command_line_takes_the_id_number_from_stdin_only(tmp_path):
    """A command line shows in the process list: the ID number comes on standard input."""
    import subprocess

    from conftest import BIN

    config = tmp_path / "central.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    base = [str(BIN / "kiosk-central"), "--config", str(config), "bookings", "add", "--type", "B", "--at", tomorrow]
    refused = subprocess.run([*base, "--id-number", "11010519491231002X"], capture_output=True, text=True)
    assert refused.returncode == 2 and "process list" in refused.stderr
    booked = subprocess.run(base, input="11010519491231002x\n", capture_output=True, text=True)
    assert booked.returncode == 0, booked.stderr
    assert "1101**********002X" in booked.stdout and "11010519491231002" not in booked.stdout + booked.stderr
    bad = subprocess.run(base, input="110105194912310021\n", capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_type_added_elsewhere_is_issued_and_estimated_before_this_view_reloads(tmp_path):
    """Another node (here: another engine on the same database, with its own view of
    the sites) adds a business type and issues it; this engine, its view a second
    old, still issues the new type and estimates a queue that holds it."""
    from central.sites.model import BusinessType
    from central.sites.store import SiteStore

    here = make_engine(tmp_path)
    there = QueueEngine(central_config(tmp_path), here.store)
    assert "N1" not in here.site().type_map  # this view is loaded, and does not know N1
    SiteStore(here.store.engine).put_type("main", BusinessType("N1", "新业务"))
    assert take(there, "N1").number == "N1001"  # (there loads the view now: it knows N1)
    queues = {q.type: q for q in here.queues(NOON).queues}  # stale view, a queue holding N1: no KeyError
    assert queues["A"].waiting == 0
    assert take(here, "N1").number == "N1002"  # the unknown type makes this view reload once
    assert "N1" in here.site().type_map
