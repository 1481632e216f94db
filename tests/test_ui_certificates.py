"""Printing a certificate and rating the service through the real UI
(offscreen, real touches) against a real central server, on the virtual A4
printer: card, choice, preview, copies, print, a paper-out and its retry with
the same certificate, then 好差评; both leave through the outbox."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_cli, still_clock, write_kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.central]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture
def rig(central, tmp_path):
    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    code = json.loads(central.cli("kiosks", "add", f"ui-certs-{tmp_path.name[-12:]}", "--json").stdout)["code"]
    cfg_path = write_kiosk_config(tmp_path, central.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    services = build_services(load(cfg_path))
    still_clock(services)  # no idle timeout in the middle of a slow test
    services.certificates.fonts.prepare()
    with OffscreenKiosk(services.config, services=services, size=(1080, 1920), draw=False) as kiosk:
        yield kiosk


def shot(kiosk, name):
    if "KIOSK_SCREENSHOTS" in os.environ:
        kiosk.screenshot(SCREENSHOTS / name)


def test_print_a_certificate_then_rate_the_service(rig):
    rig.services.cards.start()
    rig.tap(rig.app.screen("home").ids.tile_certificates)
    card = rig.screen("card")
    rig.tap(card.ids.simulate)  # the demo card on the virtual reader
    rig.wait_until(lambda: card.state == "ok")
    rig.tap(card.ids.go_on)
    screen = rig.screen("certificates")
    rig.wait_until(lambda: screen.state == "choose")
    assert [i["title"] for i in screen.items] == ["社会保险参保缴费证明", "个人纳税证明", "不动产登记信息查询结果"]
    assert "1101**********002X" in screen.ids.person.text and "张*明" in screen.ids.person.text
    row = next(w for w in screen.ids.kinds.children[0].children if w.index == 0)
    rig.tap(row)
    rig.wait_until(lambda: screen.state == "preview")
    assert Path(screen.preview).is_file() and screen.ids.page.texture is not None
    rig.tap(screen.ids.more)
    assert screen.copies == 2
    shot(rig, "certificate-preview-zh_CN.png")

    printer = rig.services.certificates.printer
    printer.paper = "out"
    rig.tap(screen.ids.print_button)
    rig.wait_until(lambda: screen.state == "failed")
    assert "缺纸" in screen.ids.message.text and screen.ids.retry.text == "重新打印"
    assert "paper_out" in rig.services.device_status()["document_printer"].detail
    printer.paper = "ok"
    rig.tap(screen.ids.retry)  # the same certificate, not a new one
    rig.wait_until(lambda: screen.state == "done")
    assert len(printer.jobs) == 1 and printer.jobs[0].copies == 2
    assert screen.prepared.certificate.id in printer.jobs[0].output
    outbox = rig.services.outbox
    prints = outbox.counts("print")
    assert prints["ready"] + prints["in_flight"] + prints["acked"] == 2  # the failed and the good attempt
    faults = outbox.counts("fault")  # paper out, then cleared by the good print's status
    assert faults["ready"] + faults["in_flight"] + faults["acked"] >= 1

    rig.tap(screen.ids.retry)  # now "Rate this service"
    assert rig.app.current_screen == "rating"
    rating = rig.screen("rating")
    assert rating.subject_title == "社会保险参保缴费证明"
    shot(rig, "rating-levels-zh_CN.png")
    rig.tap(rating.ids.level_5)
    assert rating.state == "details"
    rig.tap(rating.ids.reason_1)  # took too long
    rig.tap(rating.ids.reason_4)  # kiosk or printer fault
    shot(rig, "rating-bad-zh_CN.png")
    rig.tap(rating.ids.submit)
    assert rating.state == "thanks"
    item = next(i for i in rig.services.outbox.claim(50) if i.kind == "rating")
    assert item.payload["level"] == 5 and item.payload["subject"] == "certificate"
    assert item.payload["reasons"] == ["slow", "device_fault"]
    assert "张" not in json.dumps(item.payload, ensure_ascii=False) and "002X" not in json.dumps(item.payload)
    rig.services.outbox.retry(item, "test")  # give it back
    rig.tap(rating.ids.thanks_done)
    assert rig.app.current_screen == "home"
    assert not rig.services.certificates.work_dir.exists()  # PDFs go with the session


def test_a_good_rating_from_the_home_tile_needs_no_details(rig):
    rig.tap(rig.app.screen("home").ids.tile_rating)
    rating = rig.screen("rating")
    assert rating.subject_title == "本服务大厅"
    assert [rating.ids[f"level_{n}"].text for n in range(1, 6)] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    rig.tap(rating.ids.level_2)
    assert rating.state == "thanks"
    delivered = rig.services.outbox_worker.deliver_due()
    assert delivered == 1 and rig.services.outbox.counts()["acked"] == 1
