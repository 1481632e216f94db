"""Taking a ticket through the real UI against a real central server, printed
on an ESC/POS network printer (a fake one that answers DLE EOT on 127.0.0.1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest
from conftest import run_cli, still_clock, write_kiosk_config

from drivers.printer.escpos_encode import FS_CHINESE_ON
from peers.escpos_printer import FakeNetworkPrinter

pytestmark = [pytest.mark.ui, pytest.mark.central]


@pytest.fixture
def rig(central, tmp_path):
    import json

    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    printer = FakeNetworkPrinter()
    code = json.loads(central.cli("kiosks", "add", f"ui-tickets-{tmp_path.name[-12:]}", "--json").stdout)["code"]
    cfg_path = write_kiosk_config(tmp_path, central.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    cfg = load(cfg_path)
    cfg = replace(
        cfg,
        devices=replace(cfg.devices, ticket_printer="escpos"),
        printer=replace(cfg.printer, host="127.0.0.1", port=printer.port, timeout_s=1.0),
    )
    services = build_services(cfg)
    still_clock(services)  # no idle timeout in the middle of a slow test
    with OffscreenKiosk(cfg, services=services, draw=False) as kiosk:
        kiosk.printer = printer
        yield kiosk
    printer.close()


def open_tickets(rig):
    """From the home screen, as a citizen: the 取号 tile."""
    rig.tap(rig.app.screen("home").ids.tile_tickets)
    assert rig.app.current_screen == "tickets"
    return rig.screen("tickets")


def choose_type(rig, screen, letter: str) -> None:
    """Tap the business type's row in the list, once a person can see it."""

    def row():
        return next((w for w in screen.ids.types.children[0].children if w.letter == letter), None)

    try:
        rig.wait_until(lambda: row() is not None and rig.visible_point(row()) is not None)
    except AssertionError:
        shown = [w.text for w in rig.visible_texts()]
        raise AssertionError(f"row {letter} is not on screen ({rig.app.current_screen}): {shown}") from None
    rig.tap(row())
    assert screen.state == "confirm" and screen.chosen["letter"] == letter


def test_take_a_ticket_and_it_prints(rig):
    rig.tap(rig.app.screen("home").ids.tile_tickets)
    screen = rig.screen("tickets")
    assert screen.state == "choose" and len(screen.items) == 5
    assert "等候" in screen.items[1]["subtitle"]
    row = next(w for w in screen.ids.types.children[0].children if w.letter == "B")
    rig.tap(row)
    assert screen.state == "confirm" and screen.chosen["letter"] == "B"
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "done")
    ticket = screen.ticket
    assert ticket.number.startswith("B") and screen.ids.number.text == ticket.number
    assert screen.print_ok and "出票口" in screen.print_message
    rig.wait_until(lambda: rig.printer.jobs)
    job = rig.printer.jobs[-1]
    assert FS_CHINESE_ON + ticket.number.encode("gb18030") in job and "社保医保".encode("gb18030") in job
    assert ticket.url.encode() in job and job.endswith(b"\x1dV\x00")
    assert screen.ids.qr.data == ticket.url
    audio = rig.services.voice.audio  # the number is read out, voice mode or not (nothing else was said)
    rig.wait_until(audio.texts)
    assert audio.texts() == [
        f"您的号码 {ticket.number} "
        + " ".join(
            t
            for t in (screen.ids.type_name.text, screen.ids.ahead.text, screen.ids.counters.text, screen.print_message)
            if t
        )
    ]
    rig.tap(screen.ids.finish)
    assert rig.app.current_screen == "home"


def test_paper_out_keeps_the_ticket_and_reprints(rig):
    rig.printer.paper = "out"
    screen = open_tickets(rig)
    choose_type(rig, screen, "A")
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "done")
    assert not screen.print_ok and "缺纸" in screen.print_message and screen.ids.number.text == screen.ticket.number
    assert rig.printer.jobs == [] or all(screen.ticket.number.encode() not in j for j in rig.printer.jobs)
    assert rig.services.device_status()["ticket_printer"].state == "fault"  # reported with the next heartbeat
    rig.printer.paper = "ok"
    rig.tap(screen.ids.reprint)
    rig.wait_until(lambda: screen.print_ok)
    rig.wait_until(lambda: any(screen.ticket.number.encode("gb18030") in j for j in rig.printer.jobs))
    assert "出票口" in screen.print_message


def test_a_ticket_is_printed_again_once_and_no_more(rig):
    """重新打印 gives one more copy ([printer] reprints_per_ticket = 1); more taps,
    even in quick succession, print nothing and say why."""
    screen = open_tickets(rig)
    choose_type(rig, screen, "C")
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "done" and screen.print_ok)
    number = screen.ticket.number.encode("gb18030")
    copies = lambda: sum(number in job for job in rig.printer.jobs)  # noqa: E731
    rig.wait_until(lambda: copies() == 1)
    rig.tap(screen.ids.reprint)
    rig.tap(screen.ids.reprint)  # a second tap while the first reprint prints: the same request
    rig.wait_until(lambda: not screen.reprinting and copies() == 2)
    rig.tap(screen.ids.reprint)
    rig.wait_until(lambda: not screen.reprinting)
    assert "已补打" in screen.print_message and rig.visible_point(screen.ids.print_message) is not None
    rig.wait(0.5)
    assert copies() == 2


def test_real_name_ticket_with_the_card(rig):
    rig.services.cards.start()
    screen = open_tickets(rig)
    rig.tap(screen.ids.real_name_toggle)
    assert rig.app.current_screen == "card"  # identify first
    card = rig.screen("card")
    rig.services.cards.reader.insert()  # the citizen places the card on the reader
    rig.wait_until(lambda: card.state == "ok")
    rig.tap(card.ids.go_on)
    assert rig.app.current_screen == "tickets"
    assert screen.real_name and screen.person == "张*明" and screen.priority  # born 1949: green channel
    choose_type(rig, screen, "E")
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "done")
    assert screen.ticket.number.startswith("VE") and screen.ticket.real_name
    rig.wait_until(lambda: any("取号人：张*明".encode("gb18030") in j for j in rig.printer.jobs))
    assert not any("张伟明".encode("gb18030") in j for j in rig.printer.jobs)  # only the masked name on paper
    rig.tap(screen.ids.finish)  # done: back home, the session ends
    assert rig.app.current_screen == "home" and rig.services.session.identity is None
    rig.services.cards.reader.remove()  # the same citizen comes back with the same card
    rig.services.cards.reader.insert()
    rig.wait_until(lambda: rig.services.session.identity is not None)
    screen = open_tickets(rig)
    rig.tap(screen.ids.real_name_toggle)
    choose_type(rig, screen, "E")
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "error")
    assert "无需重复取号" in screen.message


def test_check_in_with_a_booking_code_typed_on_screen(rig, central):
    from datetime import datetime, timedelta

    from common.tickets import BookingRequest
    from common.wire import CardPresented

    someone = rig.services.central.present_card(CardPresented(number="11010519491231002X"))  # booked elsewhere
    booking = rig.services.central.book(
        BookingRequest(type="C", citizen_token=someone.token, slot_start=datetime.now(UTC) + timedelta(minutes=10))
    )
    screen = open_tickets(rig)
    rig.tap(screen.ids.enter_code)
    assert screen.state == "code" and screen.ids.code_submit.disabled
    for key in booking.code.lower():
        rig.tap(screen.ids.code_keyboard.key(key), frames=1)
    assert screen.booking_code == booking.code and not screen.ids.code_submit.disabled
    rig.tap(screen.ids.code_submit)
    rig.wait_until(lambda: screen.state == "done")
    assert screen.ticket.number.startswith("YC") and screen.ticket.ticket_class == "appointment"


def test_a_remote_place_taken_on_the_phone_is_checked_in_by_code(rig, central):
    """线上取号: the citizen took a place on the phone; at the kiosk they type
    its code and get a ticket marked as remote, placed by the time they took it."""
    from peers.phone import Phone, code_from_log, id_number

    assert central.cli("booking", "rules", "main", "B", "--remote", "yes").returncode == 0
    phone = Phone(central.url, "13700137001")
    phone.verify(code_from_log(central.config.parent / "central-data" / "notify.log", "137****7001"))
    place = phone.remote("main", "B", id_number(700))
    assert place.status_code == 201, place.text
    code = place.json()["code"]
    screen = open_tickets(rig)
    rig.tap(screen.ids.enter_code)
    for key in code.lower():
        rig.tap(screen.ids.code_keyboard.key(key), frames=1)
    rig.tap(screen.ids.code_submit)
    rig.wait_until(lambda: screen.state == "done")
    assert screen.ticket.ticket_class == "remote" and screen.ticket.type == "B"
    rig.wait_until(lambda: any(screen.ticket.number.encode("gb18030") in j for j in rig.printer.jobs))
    job = next(j for j in rig.printer.jobs if screen.ticket.number.encode("gb18030") in j)
    assert "线上取号".encode("gb18030") in job  # marked on paper
    assert phone.http.get(f"{phone.base}/book/bookings", timeout=5).json()[0]["state"] == "checked_in"


def test_the_help_button_calls_staff_from_any_screen(rig, central):
    """一键呼叫 in the footer: the citizen is told staff are called, the call
    reaches central through the outbox, and a second tap does not call twice."""
    screen = open_tickets(rig)
    help_button = rig.shell.ids.help_button
    assert rig.visible_point(help_button) is not None  # on screen, not just in the tree
    rig.tap(help_button)
    dialog = rig.app._help_called
    rig.wait_until(lambda: dialog is not None and dialog.parent is not None)
    assert dialog.ids.title.text in ("已通知工作人员", "网络恢复后将立即通知工作人员")

    def calls() -> list:
        with central.db() as db:
            return db.execute("SELECT kiosk_name, screen FROM help_calls").fetchall()

    def delivered() -> bool:
        rig.services.outbox_worker.deliver_due(
            ignore_backoff=True
        )  # the worker's pass (its thread is not started here)
        return any(screen_name == "tickets" for _, screen_name in calls())

    rig.wait_until(delivered, seconds=60)  # a try that timed out on a loaded machine is tried again
    rig.tap(dialog.ids.close)
    rig.wait_until(lambda: dialog.parent is None)
    rig.tap(help_button)  # again, a moment later
    rig.wait_until(lambda: dialog.parent is not None)
    assert dialog.ids.title.text == "刚才已通知工作人员"
    assert sum(screen_name == "tickets" for _, screen_name in calls()) == 1
    assert screen is rig.screen("tickets")
