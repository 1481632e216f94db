"""Counters calling tickets: order, the types each counter serves, the
staff actions, and that two counters never get the same ticket."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from test_queue_engine import PERSON, make_engine, take

from central.queue import calling as calling_module
from central.queue import engine as engine_module
from central.queue.calling import Calling
from central.queue.engine import QueueError


@pytest.fixture(autouse=True)
def midday(monkeypatch):
    """Calls happen at a fixed 12:00 in the hall (Asia/Shanghai): tickets issued "30
    minutes before" stay in the same service day whatever time the suite runs."""
    noon = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    for module in (engine_module, calling_module):
        monkeypatch.setattr(module, "utcnow", lambda: noon)
    return noon


def fresh(tmp_path, **kw):
    q = make_engine(tmp_path)
    return q, Calling(q, **kw)


def now_ticket(q, kind="A", minutes=0, **extra):
    return take(q, kind, now=engine_module.utcnow() + timedelta(minutes=minutes - 30), **extra)


def test_counters_call_in_order_and_only_their_types(tmp_path):
    q, c = fresh(tmp_path)
    a1 = now_ticket(q, "A", 0)
    b1 = now_ticket(q, "B", 1)
    a2 = now_ticket(q, "A", 2)
    assert c.call_next(3).number == b1.number  # counter 3 serves only B
    assert c.call_next(3) is None
    call = c.call_next(1)  # 1 is a 综合窗口: the earliest of anything
    assert call.number == a1.number and call.announcement_zh == f"请{a1.number}号到1号窗口办理"
    assert q.status(a1.id).state == "called" and q.status(a1.id).counter == "1号窗口"
    assert c.call_next(2).number == a2.number


def test_green_channel_is_called_first(tmp_path):
    q, c = fresh(tmp_path)
    now_ticket(q, "A", 0)
    v = now_ticket(q, "A", 5, person=PERSON, priority="elderly")
    assert c.call_next(1).number == v.number


def test_two_counters_calling_at_once_never_share_a_ticket(tmp_path):
    q, c = fresh(tmp_path)
    for i in range(60):
        now_ticket(q, "A", i * 0.1)
    called: list[str] = []
    lock = threading.Lock()

    def staff(counter):
        while True:
            call = c.call_next(counter)
            if call is None:
                return
            with lock:
                called.append(call.number)

    threads = [threading.Thread(target=staff, args=(n,)) for n in (1, 2, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(called) == 60 and len(set(called)) == 60


def test_recall_finish_no_show_and_transfer(tmp_path):
    q, c = fresh(tmp_path)
    t1 = now_ticket(q, "A", 0)
    t2 = now_ticket(q, "A", 1)
    c.call_next(1)
    assert c.recall(1).number == t1.number
    c.no_show(1)  # requeued at the end: t2 comes first now
    assert q.status(t1.id).state == "waiting" and q.status(t1.id).people_ahead == 1
    assert c.call_next(1).number == t2.number
    c.transfer(1, "C")
    assert q.status(t2.id).state == "waiting" and q.status(t2.id).type == "C"
    assert c.call_next(5).number == t2.number  # counter 5 serves C
    c.finish(5)
    assert q.status(t2.id).state == "done"
    with pytest.raises(QueueError) as err:
        c.recall(5)
    assert err.value.code == "nobody_called"
    kinds = [e["kind"] for e in c.events_since(0)]
    assert kinds == ["call", "recall", "no_show", "call", "transfer", "call", "finish"]


def test_a_transfer_keeps_its_number_even_when_the_target_type_has_it(tmp_path):
    """B001 sent to E while E001 exists: both stay in E's queue under their own
    numbers (uniqueness is per issuing type), and E's numbering goes on."""
    q, c = fresh(tmp_path)
    b = now_ticket(q, "B", 0)
    e = now_ticket(q, "E", 1)
    assert (b.number, e.number) == ("B001", "E001")
    assert c.call_next(3).number == "B001"  # counter 3 serves B
    c.transfer(3, "E")
    assert q.status(b.id).type == "E" and q.status(b.id).number == "B001"
    assert [c.call_next(2).number, c.call_next(2).number] == ["B001", "E001"]  # by arrival; counter 2 serves E
    assert now_ticket(q, "E", 2).number == "E002"


def test_no_show_closes_the_ticket_when_policy_says_so(tmp_path):
    q, c = fresh(tmp_path, requeue_no_shows=False)
    t = now_ticket(q)
    c.call_next(1)
    c.no_show(1)
    assert q.status(t.id).state == "no_show"


def test_pause_and_granted_priority(tmp_path):
    q, c = fresh(tmp_path)
    first = now_ticket(q, "A", 0)
    later = now_ticket(q, "A", 5)
    c.set_paused(1, True)
    with pytest.raises(QueueError) as err:
        c.call_next(1)
    assert err.value.code == "counter_paused"
    c.set_paused(1, False)
    c.grant_priority(later.id, "disabled")
    assert q.status(later.id).people_ahead == 0 and q.status(first.id).people_ahead == 1
    assert c.call_next(1).number == later.number
    with pytest.raises(QueueError):
        c.grant_priority(later.id, "disabled")  # already called
