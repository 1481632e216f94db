"""HTTP client for central: signs every request, validates every answer
against the shared wire models, and turns every failure into one typed error."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, TypeVar, overload
from urllib.parse import urlsplit

import requests
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
        RatingRequest,
    )
    from common.matters import CatalogDelta
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


class CentralClient:
    def __init__(self, base_url: str, credentials: Credentials | None = None, *, timeout_s: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout_s = timeout_s
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
        try:
            resp = self._http.request(method, url, data=payload or None, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise CentralError("network", f"central at {self.base_url} unreachable: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            raise self._rejection(resp)
        if resp.status_code == 304 and if_none_match:
            return None
        try:
            return reply.model_validate_json(resp.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            log.error("garbled reply from %s %s: %s: %s", method, path, where or "body", first["msg"])
            raise CentralError(
                "garbled", f"central sent an unexpected reply to {path}", status=resp.status_code
            ) from None

    def _rejection(self, resp: requests.Response) -> CentralError:
        try:
            err = wire.ErrorReply.model_validate_json(resp.content).error
            code, message = err.code, err.message
        except (ValidationError, json.JSONDecodeError, ValueError):
            code, message = f"http_{resp.status_code}", resp.text[:200]
        kind = "network" if resp.status_code >= 500 else "rejected"
        return CentralError(kind, f"central refused: {message}", code=code, status=resp.status_code)

    # -- endpoints -------------------------------------------------------
    def enroll(self, request: wire.EnrollRequest) -> wire.EnrollReply:
        return self.request("POST", f"{wire.API_PREFIX}/kiosks/enroll", request, wire.EnrollReply, signed=False)

    def heartbeat(self, beat: wire.HeartbeatRequest) -> wire.HeartbeatReply:
        return self.request("POST", f"{wire.API_PREFIX}/kiosks/heartbeat", beat, wire.HeartbeatReply)

    def catalog(self, since: int, *, if_none_match: str | None = None) -> CatalogDelta | None:
        """None when central answers 304 to `if_none_match` (the copy is current)."""
        from common.matters import CatalogDelta

        return self.request(
            "GET", f"{wire.API_PREFIX}/catalog?since={int(since)}", None, CatalogDelta, if_none_match=if_none_match
        )

    def settings(self, *, if_none_match: str | None = None) -> wire.KioskSettings | None:
        return self.request(
            "GET", f"{wire.API_PREFIX}/kiosks/config", None, wire.KioskSettings, if_none_match=if_none_match
        )

    def report_fault(self, fault: wire.Fault) -> Acknowledged:
        from common.certificates import Acknowledged

        return self.request("POST", f"{wire.API_PREFIX}/kiosks/faults", fault, Acknowledged)

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

        return self.request("GET", f"{wire.API_PREFIX}/queues", None, QueuesReply, signed=False)

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

    def health(self) -> wire.Health:
        return self.request("GET", "/healthz", None, wire.Health, signed=False)
