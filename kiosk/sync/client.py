"""HTTP client for central: signs every request, validates every answer
against the shared wire models, and turns every failure into one typed error."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, TypeVar, overload
from urllib.parse import quote, urlsplit

import requests
import urllib3
from pydantic import BaseModel, ValidationError

from common import signing, wire
from kiosk.sync.credentials import Credentials

if TYPE_CHECKING:
    from common.certificates import (
        Acknowledged,
        AvailableReply,
        AvailableRequest,
        Certificate,
        CertificateRequest,
        PrintAudit,
    )
    from common.matters import CatalogDelta, MatterAvailability
    from common.ratings import CaseQuery, CasesReply, KioskCaseRating, RatedCase, RatingRequest
    from common.tickets import (
        AbandonRequest,
        BookingReply,
        BookingRequest,
        Lease,
        LeaseRequest,
        OfflineTicket,
        QueuesReply,
        TicketPrint,
        TicketReply,
        TicketRequest,
        TicketStatus,
    )

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class CentralError(Exception):
    """Central could not be used. `kind` is 'network' (retry later), 'rejected'
    (central said no: `code` says why) or 'garbled' (the answer made no sense)."""

    def __init__(self, kind: str, message: str, *, code: str = "", status: int = 0):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.status = status


MAX_REPLY_BYTES = 64 * 1024 * 1024  # after decompression: a full catalog of 10,000 matters is ~30 MB


class CentralClient:
    """Signed requests to central. A reply is read within a total time and a size cap
    (decompressed, so a small gzip bomb cannot fill memory), and redirects are never
    followed: signed headers go to the configured server only."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        timeout_s: float = 5.0,
        total_timeout_s: float | None = None,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.total_timeout_s = total_timeout_s if total_timeout_s is not None else max(10.0, 4 * timeout_s)
        self.max_reply_bytes = max_reply_bytes
        self._http = requests.Session()
        self._http.headers["User-Agent"] = "hall-kiosk"

    def close(self) -> None:
        self._http.close()

    @overload
    def request(
        self,
        method: str,
        path: str,
        body: BaseModel | None,
        reply: type[M],
        *,
        signed: bool = True,
        if_none_match: None = None,
    ) -> M: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        body: BaseModel | None,
        reply: type[M],
        *,
        signed: bool = True,
        if_none_match: str,
    ) -> M | None: ...

    def request(
        self,
        method: str,
        path: str,
        body: BaseModel | None,
        reply: type[M],
        *,
        signed: bool = True,
        if_none_match: str | None = None,
    ) -> M | None:
        """The validated reply; None only when `if_none_match` is given and central answers 304."""
        payload = body.model_dump_json().encode() if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        url = self.base_url + path
        if signed:
            if self.credentials is None:
                raise CentralError(
                    "rejected", "this kiosk is not enrolled; run `kiosk enroll CODE`", code="not_enrolled"
                )
            parts = urlsplit(url)
            headers.update(
                signing.sign(
                    self.credentials.secret,
                    method,
                    parts.path + (f"?{parts.query}" if parts.query else ""),
                    payload,
                    self.credentials.kiosk_id,
                )
            )
        deadline = time.monotonic() + self.total_timeout_s
        try:
            resp = self._http.request(
                method,
                url,
                data=payload or None,
                headers=headers,
                timeout=self.timeout_s,
                allow_redirects=False,
                stream=True,
            )
            with resp:
                content = self._read(resp, path, deadline)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            # (urllib3's own errors escape requests when the body is read raw: a reply cut off midway)
            raise CentralError("network", f"central at {self.base_url} unreachable: {type(exc).__name__}") from None
        status = resp.status_code
        if 300 <= status < 400 and status != 304:
            log.error(
                "central answered %s %s with %d to %.200s: not followed",
                method,
                path,
                status,
                resp.headers.get("Location", ""),
            )
            raise CentralError("garbled", f"central redirected {path}; redirects are not followed", status=status)
        if status >= 400:
            raise self._rejection(status, content)
        if status == 304 and if_none_match:
            return None
        try:
            return reply.model_validate_json(content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            log.error("garbled reply from %s %s: %s: %s", method, path, where or "body", first["msg"])
            raise CentralError("garbled", f"central sent an unexpected reply to {path}", status=status) from None

    def _read(self, resp: requests.Response, path: str, deadline: float) -> bytes:
        """The body, decompressed, within the size cap and the total time."""
        chunks, size = [], 0
        while chunk := resp.raw.read1(64 * 1024, decode_content=True):  # returns as bytes arrive: a drip is timed
            size += len(chunk)
            if size > self.max_reply_bytes:
                raise CentralError("garbled", f"the reply to {path} is over {self.max_reply_bytes} bytes; not read")
            if time.monotonic() > deadline:
                raise CentralError("network", f"the reply to {path} took over {self.total_timeout_s:.0f} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _rejection(self, status: int, content: bytes) -> CentralError:
        try:
            err = wire.ErrorReply.model_validate_json(content).error
            code, message = err.code, err.message
        except (ValidationError, json.JSONDecodeError, ValueError):
            code, message = f"http_{status}", content[:200].decode("utf-8", "replace")
        kind = "network" if status >= 500 else "rejected"
        return CentralError(kind, f"central refused: {message}", code=code, status=status)

    # -- endpoints -------------------------------------------------------
    def enroll(self, request: wire.EnrollRequest) -> wire.EnrollReply:
        return self.request("POST", f"{wire.API_PREFIX}/kiosks/enroll", request, wire.EnrollReply, signed=False)

    def present_card(self, card: wire.CardPresented) -> wire.CitizenToken:
        return self.request("POST", f"{wire.API_PREFIX}/citizens/present", card, wire.CitizenToken)

    def heartbeat(self, beat: wire.HeartbeatRequest) -> wire.HeartbeatReply:
        return self.request("POST", f"{wire.API_PREFIX}/kiosks/heartbeat", beat, wire.HeartbeatReply)

    def catalog(self, since: int, *, if_none_match: str | None = None) -> CatalogDelta | None:
        """None when central answers 304 to `if_none_match` (the copy is current)."""
        from common.matters import CatalogDelta

        return self.request(
            "GET", f"{wire.API_PREFIX}/catalog?since={int(since)}", None, CatalogDelta, if_none_match=if_none_match
        )

    def matter_sites(self, code: str) -> MatterAvailability:
        """Where the matter is handled: this kiosk's site or others (事项进驻)."""

        from common.matters import MatterAvailability

        return self.request("GET", f"{wire.API_PREFIX}/matters/{quote(code, safe='')}/sites", None, MatterAvailability)

    def settings(self, *, if_none_match: str | None = None) -> wire.KioskSettings | None:
        return self.request(
            "GET", f"{wire.API_PREFIX}/kiosks/config", None, wire.KioskSettings, if_none_match=if_none_match
        )

    def report_fault(self, fault: wire.Fault) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/kiosks/faults", fault, Acknowledged)

    def call_for_help(self, call: wire.HelpCall) -> wire.HelpCallView:
        return self.request("POST", f"{wire.API_PREFIX}/help", call, wire.HelpCallView)

    def report_usage(self, report: wire.UsageReport) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/usage", report, Acknowledged)

    def lease(self, request: LeaseRequest) -> Lease:
        from common.tickets import Lease

        return self.request("POST", f"{wire.API_PREFIX}/tickets/leases", request, Lease)

    def deliver_offline_ticket(self, ticket: OfflineTicket) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/tickets/offline", ticket, Acknowledged)

    def abandon_ticket(self, request: AbandonRequest) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/tickets/abandon", request, Acknowledged)

    def record_ticket_print(self, record: TicketPrint) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/tickets/prints", record, Acknowledged)

    def take_ticket(self, request: TicketRequest) -> TicketReply:
        from common.tickets import TicketReply

        return self.request("POST", f"{wire.API_PREFIX}/tickets", request, TicketReply)

    def ticket_status(self, ticket_id: str) -> TicketStatus:
        from common.tickets import TicketStatus

        return self.request("GET", f"{wire.API_PREFIX}/tickets/{ticket_id}", None, TicketStatus, signed=False)

    def queues(self) -> QueuesReply:
        from common.tickets import QueuesReply

        # signed when enrolled: central answers with this kiosk's own site (or, at a
        # self-service point, the nearest halls')
        signed = self.credentials is not None
        return self.request("GET", f"{wire.API_PREFIX}/queues", None, QueuesReply, signed=signed)

    def book(self, request: BookingRequest) -> BookingReply:
        from common.tickets import BookingReply

        return self.request("POST", f"{wire.API_PREFIX}/bookings", request, BookingReply)

    def available_certificates(self, request: AvailableRequest) -> AvailableReply:
        from common.certificates import AvailableReply

        return self.request("POST", f"{wire.API_PREFIX}/certificates/available", request, AvailableReply)

    def issue_certificate(self, request: CertificateRequest) -> Certificate:
        from common.certificates import Certificate

        return self.request("POST", f"{wire.API_PREFIX}/certificates", request, Certificate)

    def record_print(self, audit: PrintAudit) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/certificates/prints", audit, Acknowledged)

    def rate(self, rating: RatingRequest) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/ratings", rating, Acknowledged)

    def find_cases(self, query: CaseQuery) -> CasesReply:
        from common.ratings import CasesReply

        return self.request("POST", f"{wire.API_PREFIX}/cases/find", query, CasesReply)

    def rate_case(self, case_number: str, rating: KioskCaseRating) -> RatedCase:
        from common.ratings import RatedCase

        return self.request("POST", f"{wire.API_PREFIX}/cases/{quote(case_number)}/rating", rating, RatedCase)

    def health(self) -> wire.Health:
        return self.request("GET", "/healthz", None, wire.Health, signed=False)
