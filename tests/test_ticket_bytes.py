"""The exact ESC/POS bytes of a known ticket, in text mode, against a golden
file; and its size. A change to the bytes must be looked at on paper.
Regenerate: KIOSK_UPDATE_GOLDEN=1 pytest tests/test_ticket_bytes.py"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

from common.tickets import TicketReply
from drivers.printer.escpos_encode import encode
from kiosk.i18n import Translator
from kiosk.queue.receipt import ticket_receipt

GOLDEN = Path(__file__).parent / "data" / "ticket_A001.bin"
TICKET = TicketReply(
    id="Tk3yQ2mM8fPzR7bA",
    number="A001",
    type="A",
    type_name="综合业务",
    type_name_en="General services",
    ticket_class="normal",
    real_name=True,
    people_ahead=12,
    wait_low_min=18,
    wait_high_min=27,
    counters=("1号窗口", "2号窗口", "6号窗口"),
    issued_at=datetime(2026, 11, 21, 1, 30, tzinfo=UTC),
    service_day=date(2026, 11, 21),
    url="https://hall.example.gov.cn/t/Tk3yQ2mM8fPzR7bA",
)


def known_ticket_bytes() -> bytes:
    receipt = ticket_receipt(
        TICKET,
        Translator("zh_CN").gettext,
        hall_name="示例区政务服务中心",
        header="欢迎光临",
        footer="请留意叫号，过号请重新取号",
        masked_name="张*明",
        now=datetime(2026, 11, 21, 9, 30),
    )
    return encode(receipt)


def test_known_ticket_bytes_match_the_golden_file():
    data = known_ticket_bytes()
    if os.environ.get("KIOSK_UPDATE_GOLDEN"):
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes()


def test_control_characters_never_reach_the_printer():
    from drivers.printer.escpos_encode import encode
    from drivers.printer.receipt import QR, Receipt, Text

    data = encode(Receipt((Text("营业执照\x1b@\x1dV\x00\x1bp\x00\x19\x19 办理"), QR("https://x", caption="扫码\x1b@"))))
    body = data[2:-3]  # between our own ESC @ and the final cut
    assert b"\x1b@" not in body and b"\x1dV" not in body and b"\x1bp" not in body
    assert "营业执照@Vp 办理".encode("gb18030") in data  # the controls are gone, the printable rest stays


def test_the_ticket_says_what_it_must():
    data = known_ticket_bytes()
    for text in (
        "示例区政务服务中心",
        "综合业务",
        "A001",
        "您前面还有 12 人",
        "预计等候 18-27 分钟",
        "办理窗口：1号窗口、2号窗口、6号窗口",
        "取号人：张*明",
        "取号时间 2026-11-21 09:30",
        "请留意叫号",
    ):
        assert b"\x1c&" + text.encode("gb18030") in data, text
    assert b"\x1d!\x22" in data  # the number at triple size (GS ! 0x22)
    assert b"\x1d(k" in data and TICKET.url.encode() in data  # native QR of the phone page
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x00")
    assert len(data) < 1200  # text mode: about a kilobyte, fast even on a serial line
