"""The kiosk's outbox: items survive a restart (in-flight ones become ready
again), a put is idempotent, transient failures back off with jitter, a
permanent refusal is kept as failed."""

from __future__ import annotations

from kiosk.sync.outbox import BACKOFF_MAX_S, Outbox, OutboxWorker, Permanent, backoff_s


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_in_flight_items_are_delivered_after_a_restart(tmp_path):
    box = Outbox(tmp_path / "o.db")
    assert box.put("rating", "k1", {"level": 1}) and not box.put("rating", "k1", {"level": 1})
    box.put("print", "k2", {"id": "X"})
    claimed = box.claim()
    assert [i.key for i in claimed] == ["k1", "k2"] and box.counts()["in_flight"] == 2
    box.close()  # the kiosk dies here
    again = Outbox(tmp_path / "o.db")
    assert again.counts()["ready"] == 2
    sent = []
    assert OutboxWorker(again, {"rating": sent.append, "print": sent.append}).deliver_due() == 2
    assert sent == [{"level": 1}, {"id": "X"}] and again.counts()["acked"] == 2


def test_transient_failures_back_off_and_permanent_ones_are_kept(tmp_path):
    clock = Clock()
    box = Outbox(tmp_path / "o.db", clock=clock)
    box.put("rating", "flaky", {})
    box.put("print", "refused", {})
    calls = {"n": 0}

    def flaky(_payload):
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("central unreachable")

    def refused(_payload):
        raise Permanent("unknown_certificate")

    worker = OutboxWorker(box, {"rating": flaky, "print": refused})
    assert worker.deliver_due() == 0
    # the pass stops at the first transient failure: the later item waits its turn, untried
    assert box.counts() == {"ready": 2, "in_flight": 0, "acked": 0, "failed": 0} and calls["n"] == 1
    assert worker.deliver_due() == 0 and calls["n"] == 1  # not due yet: backing off
    clock.now += BACKOFF_MAX_S
    worker.deliver_due()
    assert calls["n"] == 2 and box.counts()["failed"] == 0
    clock.now += BACKOFF_MAX_S
    assert worker.deliver_due() == 1 and calls["n"] == 3
    assert box.counts() == {"ready": 0, "in_flight": 0, "acked": 1, "failed": 1}
    assert box.backlog() == 0


def test_held_items_wait_for_the_foreground_and_keep_their_order(tmp_path):
    box = Outbox(tmp_path / "o.db")
    box.put("ticket", "intent-1", {"request_id": "r1"}, held=True)
    box.put("ticket_print", "print-1", {"n": 1})
    sent = []
    worker = OutboxWorker(
        box, {"ticket": lambda p: sent.append(("ticket", p)), "ticket_print": lambda p: sent.append(("print", p))}
    )
    assert worker.deliver_due() == 1 and sent == [("print", {"n": 1})]  # the held intent is left alone
    box.release("intent-1", {"request_id": "r1", "abandon": True})
    assert worker.deliver_due() == 1 and sent[-1] == ("ticket", {"request_id": "r1", "abandon": True})
    box.put("ticket", "intent-2", {}, held=True)
    box.settle("intent-2")  # done in the foreground: never sent
    assert worker.deliver_due() == 0 and box.backlog() == 0
    with box.transaction() as db:  # an atomic write shared with other tables of the same file
        box.put_in(db, "fault", "f1", {})
        db.execute("CREATE TABLE IF NOT EXISTS t (x)")
    assert box.counts()["ready"] == 1


def test_backoff_grows_with_jitter_and_is_capped():
    waits = [backoff_s(n) for n in range(1, 12)]
    assert waits[0] <= 2.0 and waits[3] > waits[0]
    assert max(waits) <= BACKOFF_MAX_S
    assert len({round(backoff_s(5), 6) for _ in range(20)}) > 1  # jitter
