"""Printing a certificate at the kiosk: what the card holder may print, the
certificate from central (issued once per choice: a retry after a paper jam
prints the same certificate), the PDF and its preview, the print through the
document printer, and an audit record of every attempt through the outbox.

The PDF holds the holder's name and masked ID; it lives in the kiosk's data
directory only until the session ends."""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from common.certificates import (
    AvailableCertificate,
    AvailableReply,
    AvailableRequest,
    Certificate,
    CertificateRequest,
    PrintAudit,
)
from drivers.printer import PrinterError
from drivers.printer.document import DocumentPrinter
from kiosk.certificates.render import DocumentFonts, Rendered, render
from kiosk.config import KioskConfig
from kiosk.session import CitizenSession
from kiosk.sync.client import CentralClient, CentralError
from kiosk.sync.outbox import Outbox, OutboxWorker

log = logging.getLogger(__name__)
PREVIEW_DPI = 60


class CertificateProblem(Exception):
    """Why no certificate: no_card, network, no_record, refused, render."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


@dataclass
class Prepared:
    choice: AvailableCertificate
    certificate: Certificate
    rendered: Rendered
    attempts: int = 0
    printed: bool = False
    history: list[str] = field(default_factory=list)


class CertificateService:
    def __init__(
        self,
        config: KioskConfig,
        central: CentralClient,
        session: CitizenSession,
        printer: DocumentPrinter | None,
        fonts: DocumentFonts,
        outbox: Outbox,
        outbox_worker: OutboxWorker | None = None,
    ):
        self.config = config
        self.central = central
        self.session = session
        self.printer = printer
        self.fonts = fonts
        self.outbox = outbox
        self.outbox_worker = outbox_worker
        self.work_dir = config.data_dir / "certificates"
        self.last_fault = ""
        self._request_ids: dict[tuple[str, str], str] = {}
        self.max_copies = config.document.max_copies
        self.pushed_max_copies = 0  # from central's pushed settings; 0: no extra limit

    def _person(self) -> str:
        """The citizen token for the card on the reader (central hashes the ID number, never the kiosk)."""
        try:
            token = self.session.citizen_token(self.central.present_card)
        except CentralError as exc:
            raise CertificateProblem(_reason(exc), str(exc)) from None
        if token is None:
            raise CertificateProblem("no_card", "read the ID card first")
        return token

    def available(self) -> AvailableReply:
        person = self._person()
        try:
            reply = self.central.available_certificates(AvailableRequest(citizen_token=person))
        except CentralError as exc:
            raise CertificateProblem(_reason(exc), str(exc)) from None
        self.max_copies = min(self.config.document.max_copies, reply.max_copies, self.pushed_max_copies or 99)
        return reply

    def prepare(self, choice: AvailableCertificate) -> Prepared:
        """Issue (or fetch again) and render; the request id is kept per
        choice for this session, so asking twice never issues twice."""
        person = self._person()
        slot = (choice.kind, choice.subject_ref)
        request_id = self._request_ids.setdefault(slot, uuid.uuid4().hex)
        try:
            cert = self.central.issue_certificate(
                CertificateRequest(
                    request_id=request_id,
                    kind=choice.kind,
                    citizen_token=person,
                    subject_ref="" if choice.subject_ref == "self" else choice.subject_ref,
                )
            )
        except CentralError as exc:
            raise CertificateProblem(_reason(exc), str(exc)) from None
        try:
            rendered = render(
                cert,
                self.work_dir,
                self.fonts,
                provider=self.config.document.provider,
                hall_tz=self.config.kiosk.timezone,
                preview_dpi=PREVIEW_DPI,
            )
        except Exception as exc:  # a font or disk problem: say so, keep the kiosk up
            log.exception("rendering certificate %s failed", cert.id)
            raise CertificateProblem("render", str(exc)) from None
        return Prepared(choice, cert, rendered)

    def print(self, prepared: Prepared, copies: int, on_stage: Callable[[str], None] | None = None) -> None:
        """Print, audit the attempt (printed or failed) through the outbox, and
        raise PrinterError on failure; the same Prepared can be printed again."""
        if self.printer is None:
            raise PrinterError("offline", "no document printer is configured")
        copies = max(1, min(copies, self.max_copies))
        prepared.attempts += 1
        outcome: Literal["printed", "failed"] = "printed"
        reason = ""
        try:
            self.printer.print_pdf(
                prepared.rendered.pdf,
                copies=copies,
                title=prepared.certificate.id,
                pages=prepared.rendered.pages,
                on_stage=on_stage,
            )
            prepared.printed = True
            self.last_fault = ""
        except PrinterError as exc:
            outcome, reason = "failed", exc.reason
            self.last_fault = f"{exc.reason}: {exc.detail}"
            log.warning("certificate %s: print failed: %s", prepared.certificate.id, exc)
            raise
        finally:
            audit = PrintAudit(
                key=f"print-{prepared.certificate.id}-{prepared.attempts}",
                certificate_id=prepared.certificate.id,
                kind=prepared.certificate.kind,
                copies=copies,
                pages=prepared.rendered.pages,
                outcome=outcome,
                reason=reason,
                attempt=prepared.attempts,
                at=datetime.now(UTC),
            )
            self.outbox.put("print", audit.key, audit.model_dump(mode="json"))
            if self.outbox_worker:
                self.outbox_worker.kick()

    def wipe(self) -> None:
        """Session over: forget the request ids and delete the PDFs and previews."""
        self._request_ids.clear()
        shutil.rmtree(self.work_dir, ignore_errors=True)


__all__ = ["CertificateProblem", "CertificateService", "Prepared"]


def _reason(exc: CentralError) -> str:
    """What the screen says about a refusal: the codes it words itself, else refused or network."""
    if exc.code in ("no_record", "card_not_present", "kiosk_suspended"):
        return exc.code
    return "refused" if exc.kind == "rejected" else "network"
