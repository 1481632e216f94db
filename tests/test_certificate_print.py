"""A certificate from central to paper: issued for the card on the kiosk,
rendered to A4 (text and a QR code that decodes to a verifying URL), printed
through a real cupsd with the cups-pdf backend, audited once through the
outbox; a printer that is down is reported and the same certificate prints
when it is back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import requests
import zxingcpp
from conftest import Central, add_staff, enrolled_client, login, wait_until, write_kiosk_config

from common.fonts import resolve
from common.identity import Identity
from drivers.printer import PrinterError
from drivers.printer.cups import CupsDocumentPrinter
from kiosk.certificates.render import DocumentFonts, page_image
from kiosk.certificates.service import CertificateProblem, CertificateService
from kiosk.config import load as load_kiosk
from kiosk.events import EventBus
from kiosk.session import CitizenSession, IdleTimer
from kiosk.sync.outbox import Outbox, OutboxWorker
from kiosk.sync.senders import senders_for

pytestmark = pytest.mark.central
DEMO = Identity(
    name="张伟明", birth_date=date(1949, 12, 31), gender="male", id_number="11010519491231002X", nation="汉"
)


def pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def pdf_pages(path: Path) -> int:
    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


@pytest.fixture
def kiosk_side(tmp_path, cupsd):
    central = Central(tmp_path / "c")
    central.start()
    add_staff(central, "mona", "manager")
    client = enrolled_client(central, "k", tmp_path / "k")
    config_path = write_kiosk_config(tmp_path / "k", central.url)
    config_path.write_text(
        config_path.read_text() + f'[document]\ncups_server = "{cupsd.socket}"\n[devices]\ndocument_printer = "cups"\n'
    )
    config = load_kiosk(config_path)
    session = CitizenSession(EventBus(), IdleTimer(120, 20))
    outbox = Outbox(config.data_dir / "outbox.db")
    worker = OutboxWorker(outbox, senders_for(client), poll_s=0.2)
    cache = config.data_dir / "cache" / "fonts"
    fonts = DocumentFonts(resolve("regular", "", cache), resolve("bold", "", cache), cache)
    fonts.prepare()
    printer = CupsDocumentPrinter("KioskA4", server=str(cupsd.socket), timeout_s=60)
    service = CertificateService(config, client, session, printer, fonts, outbox, worker)
    worker.start()
    yield central, service, session, outbox
    worker.stop()
    central.stop()


def test_a_certificate_prints_through_cups_and_verifies(kiosk_side, cupsd):
    central, service, session, outbox = kiosk_side
    with pytest.raises(CertificateProblem) as no_card:
        service.available()
    assert no_card.value.reason == "no_card"
    session.identify(DEMO)
    choices = service.available().certificates
    social = next(c for c in choices if c.kind == "social_insurance")
    prepared = service.prepare(social)
    cert = prepared.certificate
    text = pdf_text(prepared.rendered.pdf)
    for expected in (
        "社会保险参保缴费证明",
        "张伟明",
        "1101**********002X",
        cert.id,
        cert.check_code,
        "仅供办理政务服务事项时使用，有效期至",
        "示例市社会保险事业管理中心",
    ):
        assert expected in text, expected
    assert "11010519491231002X" not in text  # the full ID number is never on paper
    image = page_image(prepared.rendered.pdf, prepared.rendered.pdf.with_suffix(".scan.png"), 150)
    from PIL import Image

    codes = zxingcpp.read_barcodes(Image.open(image))
    assert [c.text for c in codes] == [cert.verify_url]
    verified = requests.get(codes[0].text.replace("/verify/", "/api/v1/verify/"), timeout=5).json()
    assert verified["state"] == "genuine" and verified["certificate"]["content"]["subject_name"] == "张伟明"

    before = set(cupsd.pdf_out.glob("*.pdf"))
    stages = []
    service.print(prepared, 2, stages.append)
    assert stages[0] == "submitted" and stages[-1] == "done"
    printed = wait_until(lambda: set(cupsd.pdf_out.glob("*.pdf")) - before, what="the cups-pdf output")
    assert len(printed) == 1
    assert pdf_pages(next(iter(printed))) == prepared.rendered.pages

    staff = login(central, "mona")
    audits = wait_until(
        lambda: [
            p
            for p in staff.get(f"{central.url}/api/v1/certificates/prints", timeout=5).json()["prints"]
            if p["certificate_id"] == cert.id
        ],
        what="the print audit",
    )
    assert audits[0]["outcome"] == "printed" and audits[0]["copies"] == 2 and audits[0]["pages"] == 1
    assert outbox.counts()["acked"] == 1


def test_a_printer_that_is_down_is_told_and_the_same_certificate_prints_later(kiosk_side, cupsd):
    central, service, session, _outbox = kiosk_side
    session.identify(DEMO)
    prepared = service.prepare(next(c for c in service.available().certificates if c.kind == "tax"))
    assert cupsd.lp("cupsdisable", "-r", "maintenance", "KioskA4").returncode == 0
    try:
        with pytest.raises(PrinterError) as down:
            service.print(prepared, 1)
        assert down.value.reason == "offline"
        assert "offline" in service.last_fault
    finally:
        assert cupsd.lp("cupsenable", "KioskA4").returncode == 0
    before = set(cupsd.pdf_out.glob("*.pdf"))
    service.print(prepared, 1)
    wait_until(lambda: set(cupsd.pdf_out.glob("*.pdf")) - before, what="the reprint")
    again = service.prepare(next(c for c in service.available().certificates if c.kind == "tax"))
    assert again.certificate.id == prepared.certificate.id  # no second certificate for a retry
    staff = login(central, "mona")

    def both_audits():
        prints = staff.get(f"{central.url}/api/v1/certificates/prints", timeout=5).json()["prints"]
        rows = [p for p in prints if p["certificate_id"] == prepared.certificate.id]
        return rows if len(rows) == 2 else None

    audits = wait_until(both_audits, what="both audits")
    assert sorted((a["attempt"], a["outcome"], a["reason"]) for a in audits) == [
        (1, "failed", "offline"),
        (2, "printed", ""),
    ]
    service.wipe()
    assert not (service.work_dir / f"{prepared.certificate.id}.pdf").exists()
