"""The A4 printer through CUPS (pycups): check the queue, submit the PDF,
follow the job to completion. CUPS' printer-state-reasons become our stable
reasons, so the screen can tell the citizen what happened."""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path

from drivers.printer import PaperState, PrinterError, PrinterStatus
from drivers.printer.document import DocumentJob, JobStage

log = logging.getLogger(__name__)
IPP_PRINTER_STOPPED = 5
JOB_DONE, JOB_STOPPED, JOB_CANCELED, JOB_ABORTED = 9, 6, 7, 8
REASONS = (  # printer-state-reasons prefix -> our reason, most specific first
    ("media-empty", "paper_out"),
    ("media-needed", "paper_out"),
    ("media-jam", "jammed"),
    ("door-open", "cover_open"),
    ("cover-open", "cover_open"),
    ("toner-empty", "toner_out"),
    ("marker-supply-empty", "toner_out"),
    ("offline", "offline"),
    ("shutdown", "offline"),
    ("connecting-to-device", "offline"),
    ("paused", "offline"),
)


def is_usable() -> bool:
    """Whether the library this driver needs (cups) is installed; `kiosk doctor` asks."""
    return importlib.util.find_spec("cups") is not None


def _as_list(value) -> list[str]:
    """IPP answers a one-value set as a plain string."""
    return [value] if isinstance(value, str) else list(value or [])


def _reason(reasons: list[str]) -> str | None:
    for prefix, ours in REASONS:
        if any(r.startswith(prefix) and not r.endswith("-report") for r in reasons):
            return ours
    return None


class CupsDocumentPrinter:
    def __init__(self, queue: str, *, server: str = "", timeout_s: float = 120.0, poll_s: float = 0.2):
        self.queue = queue
        self.server = server
        self.timeout_s = timeout_s
        self.poll_s = poll_s

    def _connect(self):
        import cups

        if self.server:
            cups.setServer(self.server)
        try:
            return cups.Connection()
        except RuntimeError as exc:
            raise PrinterError("offline", f"CUPS not reachable at {self.server or 'default'}: {exc}") from None

    def _printer_problem(self, conn) -> tuple[PrinterStatus, str | None]:
        import cups

        try:
            attrs = conn.getPrinterAttributes(
                self.queue,
                requested_attributes=[
                    "printer-state",
                    "printer-state-reasons",
                    "printer-is-accepting-jobs",
                    "printer-state-message",
                ],
            )
        except cups.IPPError as exc:
            return PrinterStatus(False, "unknown", f"queue {self.queue}: {exc}"), "offline"
        reasons = _as_list(attrs.get("printer-state-reasons", []))
        reason = _reason(reasons)
        if reason is None and (
            attrs.get("printer-state") == IPP_PRINTER_STOPPED or not attrs.get("printer-is-accepting-jobs", True)
        ):
            reason = "offline"
        paper: PaperState = (
            "out"
            if reason == "paper_out"
            else ("near_end" if any(r.startswith("media-low") for r in reasons) else "ok")
        )
        detail = f"{self.queue}: {', '.join(reasons)} {attrs.get('printer-state-message', '')}".strip()
        return PrinterStatus(reason not in ("offline",), paper, detail), reason

    def status(self) -> PrinterStatus:
        try:
            return self._printer_problem(self._connect())[0]
        except PrinterError as exc:
            return PrinterStatus(False, "unknown", exc.detail)

    def print_pdf(
        self, pdf: Path, *, copies: int, title: str, pages: int, on_stage: JobStage | None = None
    ) -> DocumentJob:
        import cups

        conn = self._connect()
        state, reason = self._printer_problem(conn)
        if reason:
            raise PrinterError(reason, state.detail)
        try:
            job_id = conn.printFile(self.queue, str(pdf), title, {"copies": str(copies), "media": "A4"})
        except cups.IPPError as exc:
            raise PrinterError("failed", f"CUPS refused the job: {exc}") from None
        log.info("certificate job %s submitted to %s (%d page(s) x %d)", job_id, self.queue, pages, copies)
        if on_stage:
            on_stage("submitted")
        deadline = time.monotonic() + self.timeout_s
        printing_told = False
        while time.monotonic() < deadline:
            attrs = conn.getJobAttributes(job_id, requested_attributes=["job-state", "job-state-reasons"])
            job_state = attrs.get("job-state")
            if job_state == JOB_DONE:
                if on_stage:
                    on_stage("done")
                return DocumentJob(job_id, pages, copies)
            if job_state in (JOB_STOPPED, JOB_CANCELED, JOB_ABORTED):
                _, printer_reason = self._printer_problem(conn)
                detail = f"job {job_id}: {', '.join(_as_list(attrs.get('job-state-reasons', [])))}"
                if job_state == JOB_STOPPED:
                    conn.cancelJob(job_id)  # the kiosk retries with the same certificate, not this job
                raise PrinterError(printer_reason or "failed", detail)
            if job_state == 5 and not printing_told and on_stage:
                on_stage("printing")
                printing_told = True
            time.sleep(self.poll_s)
        conn.cancelJob(job_id)
        raise PrinterError("timeout", f"job {job_id} not finished after {self.timeout_s:.0f} s")
