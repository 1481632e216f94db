"""The citizen's phone: a verified number books slots with quotas, changes
and cancels them until the cutoff, is told the next free slots when one is
full, is blocked after missed bookings, and takes a remote queue place that a
kiosk checks in. Central runs for real (two worker processes, both engines);
codes arrive through the log twin of the SMS channel."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import add_staff, enrolled_client, login, wait_until

from common.tickets import TicketRequest
from kiosk.sync.client import CentralError
from peers.central import Central
from peers.phone import Phone, code_from_log, id_number

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = """
[booking]
quota = 3
cutoff_minutes = 60
remote = true
remote_window_min = 30
remote_daily_limit = 2
no_show_limit = 2
block_days = 7
codes_per_address_hour = 1000
[notify]
poll_s = 0.2
sweep_s = 0.3
"""


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    directory = tmp_path_factory.mktemp("booking")
    server = Central(directory / "c", workers=2, extra=CONFIG)
    server.start()
    add_staff(server, "alice")
    add_staff(server, "mona", "manager")
    kiosk = enrolled_client(server, "k", directory / "k")
    yield server, kiosk
    server.stop()


def notify_log(server: Central):
    return server.config.parent / "central-data" / "notify.log"


def messages(server: Central, to: str) -> list[dict]:
    log = notify_log(server)
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [m for m in map(json.loads, lines) if m["to"] == to and m["kind"] != "code"]


def signed_in(server: Central, number: str) -> Phone:
    phone = Phone(server.url, number)
    phone.verify(code_from_log(notify_log(server), number[:3] + "****" + number[-4:]))
    return phone


def tomorrow() -> str:
    return (datetime.now(TZ) + timedelta(days=1)).date().isoformat()


def free(phone: Phone, start: str, letter: str = "A") -> int:
    day = datetime.fromisoformat(start).astimezone(TZ).date()
    return next(s["free"] for s in phone.slots("main", letter, day)["slots"] if s["start"] == start)


def test_a_phone_books_changes_and_cancels_and_a_full_slot_offers_the_next(hall):
    server, _ = hall
    phone = signed_in(server, "13800138001")
    slots = phone.slots("main", "A", tomorrow())["slots"]
    a, b = slots[4]["start"], slots[5]["start"]  # 02:00 and 02:30 tomorrow: well past the cutoff
    r = phone.book("main", "A", a, id_number(1), "王小明")
    assert r.status_code == 201, r.text
    card = r.json()
    assert (card["state"], card["name_masked"], card["id_masked"]) == ("booked", "王**", "1101**********0018")
    assert id_number(1) not in r.text and "王小明" not in r.text
    for n in (2, 3):  # a family's bookings from one phone
        assert phone.book("main", "A", a, id_number(n)).status_code == 201
    assert free(phone, a) == 0

    full = phone.book("main", "A", a, id_number(4))
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    next_free = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in full.json()["error"]["next_free"]]
    assert next_free[0] == datetime.fromisoformat(b) and len(next_free) == 3  # the next three, in order
    assert "fully booked: the next free slots are" in full.json()["error"]["message"]

    moved = phone.http.post(f"{phone.base}/book/bookings/{card['code']}/change", json={"slot_start": b}, timeout=10)
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["slot_start"].replace("Z", "+00:00")) == datetime.fromisoformat(b)
    assert (free(phone, a), free(phone, b)) == (1, 2)  # the old place is given back

    def confirmed():
        return [m for m in messages(server, "138****8001") if m["kind"] == "confirmed"]

    # before the cancel below: a confirmation not yet sent then is dropped as stale
    wait_until(lambda: len(confirmed()) == 4, timeout=20, what="four confirmations (three bookings and the change)")
    changed = [m["text"] for m in confirmed() if card["code"] in m["text"]]
    assert len(changed) == 2 and "02:00" in changed[0] and "02:30" in changed[1]  # booked, then moved
    stranger = signed_in(server, "13900139002")
    theirs = stranger.http.post(f"{stranger.base}/book/bookings/{card['code']}/cancel", timeout=10)
    assert theirs.status_code == 404  # only the phone that booked may cancel
    cancelled = phone.http.post(f"{phone.base}/book/bookings/{card['code']}/cancel", timeout=10)
    assert cancelled.json()["state"] == "cancelled" and free(phone, b) == 3
    mine = phone.http.get(f"{phone.base}/book/bookings", timeout=10).json()
    assert sorted(m["state"] for m in mine) == ["booked", "booked", "cancelled"]

    now = datetime.now(UTC)  # the cutoff: the next slot starting within the hour
    today = phone.slots("main", "A", datetime.now(TZ).date())["slots"] + slots
    soon = next(s for s in today if now < datetime.fromisoformat(s["start"]) < now + timedelta(minutes=55))
    assert soon["bookable"] is False
    late = phone.book("main", "A", soon["start"], id_number(5))
    assert late.status_code == 409 and late.json()["error"]["code"] == "past_cutoff"
    off_grid = slots[4]["start"].replace(":00:00", ":10:00")
    assert phone.book("main", "A", off_grid, id_number(5)).json()["error"]["code"] == "no_such_slot"


def test_missed_bookings_block_booking_for_a_while(hall):
    server, _ = hall
    phone = signed_in(server, "13800138003")
    slots = phone.slots("main", "B", tomorrow())["slots"]
    codes = [phone.book("main", "B", s["start"], id_number(10)).json()["code"] for s in slots[6:8]]
    past = datetime.now(UTC) - timedelta(hours=3)
    with server.db() as db:  # three hours pass: both slots are over, nobody checked in
        for code in codes:
            db.execute(
                "UPDATE bookings SET slot_start = ?, slot_end = ? WHERE code = ?",
                (past.replace(tzinfo=None), (past + timedelta(minutes=30)).replace(tzinfo=None), code),
            )

    def states():
        with server.db() as db:
            return {r[0] for r in db.execute("SELECT state FROM bookings WHERE code IN (?, ?)", tuple(codes))}

    wait_until(lambda: states() == {"missed"}, timeout=10, what="the sweep marking both bookings missed")
    wait_until(
        lambda: len([m for m in messages(server, "138****8003") if m["kind"] == "missed"]) == 2,
        timeout=10,
        what="a missed message for each",
    )
    blocked = phone.book("main", "B", slots[10]["start"], id_number(10))
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "booking_blocked"
    until = (past + timedelta(days=7)).astimezone(UTC).date().isoformat()
    assert f"possible again from {until}" in blocked.json()["error"]["message"]
    assert phone.book("main", "B", slots[10]["start"], id_number(11)).status_code == 201  # someone else may


def test_a_remote_place_keeps_its_place_once_checked_in_at_a_kiosk(hall):
    server, kiosk = hall
    phone = signed_in(server, "13800138004")
    before = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="E"))
    r = phone.remote("main", "E", id_number(20))
    assert r.status_code == 201, r.text
    place = r.json()
    assert place["kind"] == "remote" and place["state"] == "booked"
    after = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="E"))  # walked in later
    assert after.people_ahead == 1  # the remote place is not in the queue until checked in

    ticket = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="E", booking_code=place["code"]))
    assert ticket.ticket_class == "remote" and ticket.people_ahead == 1  # behind `before`, ahead of `after`
    clerk = login(server, "alice", 2)
    called = [clerk.post(f"{server.url}/api/v1/counters/2/call-next", timeout=5).json()["called"] for _ in range(2)]
    assert [c["number"] for c in called] == [before.number, ticket.number]
    board = clerk.get(f"{server.url}/api/v1/hall", timeout=5).json()
    (counter,) = [c for c in board["counters"] if c["number"] == 2]
    assert counter["current"]["remote"] is True  # marked on the board
    today = login(server, "mona").get(f"{server.url}/api/v1/hall/today", timeout=5).json()
    (e_type,) = [t for t in today["types"] if t["type"] == "E"]
    assert (e_type["issued"], e_type["remote"], e_type["booked"]) == (3, 1, 0)  # and in the day's figures
    assert phone.http.get(f"{phone.base}/book/bookings", timeout=10).json()[0]["state"] == "checked_in"

    second = phone.remote("main", "E", id_number(20))
    assert second.status_code == 201
    third = phone.remote("main", "A", id_number(20))
    assert third.status_code == 409 and third.json()["error"]["code"] == "daily_limit_reached"
    with server.db() as db:  # the check-in window ends
        late = (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None)
        db.execute("UPDATE bookings SET slot_end = ? WHERE code = ?", (late, second.json()["code"]))
    with pytest.raises(CentralError) as refused:
        kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="E", booking_code=second.json()["code"]))
    assert refused.value.code in ("booking_too_late", "booking_not_found")  # the sweep may have marked it missed
    clerk.post(f"{server.url}/api/v1/counters/2/finish", json={}, timeout=5)


def test_the_last_places_of_a_slot_go_to_exactly_that_many_people(hall):
    """Both worker processes take bookings at once: the count under the row
    lock lets exactly the quota through, the rest are told it is full."""
    server, _ = hall
    assert server.cli("booking", "rules", "main", "D", "--quota", "10").returncode == 0
    phone = signed_in(server, "13800138005")
    start = phone.slots("main", "D", tomorrow())["slots"][20]["start"]
    replies: list = []
    lock, go = threading.Lock(), threading.Barrier(30)

    def attempt(n: int) -> None:
        go.wait()
        r = phone.book("main", "D", start, id_number(100 + n))
        with lock:
            replies.append(r)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(r.status_code for r in replies)
    assert codes == [201] * 10 + [409] * 20, codes
    assert {r.json()["error"]["code"] for r in replies if r.status_code == 409} == {"slot_full"}
    with server.db() as db:
        booked = db.execute("SELECT COUNT(*) FROM bookings WHERE type = 'D' AND state = 'booked'").fetchone()[0]
    assert booked == 10 and free(phone, start, "D") == 0


def test_codes_are_limited_per_number_and_wrong_codes_per_code(hall):
    server, _ = hall
    phone = Phone(server.url, "13800138006")
    read = code_from_log(notify_log(server), "138****8006")
    assert phone.http.post(f"{phone.base}/book/code", json={"phone": "13800138006"}, timeout=5).status_code == 200
    again = phone.http.post(f"{phone.base}/book/code", json={"phone": "13800138006"}, timeout=5)
    assert again.status_code == 429 and again.json()["error"]["code"] == "code_too_soon"
    wait_until(lambda: read() is not None, timeout=5, what="the code")
    wrong = "000000" if read() != "000000" else "111111"
    for _ in range(5):
        bad = phone.http.post(f"{phone.base}/book/verify", json={"phone": "13800138006", "code": wrong}, timeout=5)
        assert bad.json()["error"]["code"] == "wrong_code"
    right = phone.http.post(f"{phone.base}/book/verify", json={"phone": "13800138006", "code": read()}, timeout=5)
    assert right.status_code == 422 and right.json()["error"]["code"] == "code_expired"  # five tries used it up
    assert phone.book("main", "A", "2030-01-01T09:00:00+08:00", id_number(1)).status_code == 401
    malformed = phone.http.post(f"{phone.base}/book/code", json={"phone": "12345"}, timeout=5)
    assert malformed.status_code == 422
    with server.db() as db:  # an hour of asking: five codes, the last one two minutes ago
        two_minutes_ago = (datetime.now(UTC) - timedelta(minutes=2)).replace(tzinfo=None)
        db.execute("UPDATE phone_codes SET sent_at = ?", (two_minutes_ago,))
        for _ in range(4):
            db.execute(
                "INSERT INTO phone_codes (phone_key, address_key, code_hash, sent_at, expires_at, attempts, used) "
                "SELECT phone_key, address_key, code_hash, sent_at, expires_at, attempts, used FROM phone_codes "
                "WHERE id = (SELECT MAX(id) FROM phone_codes)"
            )
    limited = phone.http.post(f"{phone.base}/book/code", json={"phone": "13800138006"}, timeout=5)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "too_many_codes"
    assert "this number" in limited.json()["error"]["message"]


def test_a_reminder_goes_before_the_slot_but_not_for_a_booking_made_inside_the_lead_time(hall):
    server, _ = hall
    phone = signed_in(server, "13800138007")
    slots = phone.slots("main", "A", tomorrow())["slots"]
    early, late = (
        phone.book("main", "A", s["start"], id_number(40 + i)).json()["code"] for i, s in enumerate(slots[8:10])
    )
    soon = datetime.now(UTC) + timedelta(minutes=30)  # both slots now start in half an hour
    with server.db() as db:
        for code, made in ((early, timedelta(hours=2)), (late, timedelta(minutes=10))):
            db.execute(
                "UPDATE bookings SET slot_start = ?, slot_end = ?, created_at = ? WHERE code = ?",
                (
                    soon.replace(tzinfo=None),
                    (soon + timedelta(minutes=30)).replace(tzinfo=None),
                    (datetime.now(UTC) - made).replace(tzinfo=None),
                    code,
                ),
            )

    def reminded() -> list[str]:
        return [m["params"]["code"] for m in messages(server, "138****8007") if m["kind"] == "reminder"]

    wait_until(lambda: reminded() == [early], timeout=10, what="the reminder of the booking made two hours ago")
    with server.db() as db:  # the sweep ran again meanwhile: the late one was made inside the hour, no reminder
        planned = db.execute("SELECT COUNT(*) FROM notifications WHERE kind = 'reminder'").fetchone()[0]
    assert planned == 1
