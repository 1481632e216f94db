"""Certificates for kiosks (signed requests, the card holder's keyed hash),
the public key and the verification answer for anyone, and the print audit
that kiosks deliver through their outbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from central.access import Permission, require, visible_sites
from central.api.citizens import person_for
from central.api.counters import staff_session
from central.auth import SignedKiosk, authenticated_kiosk, authenticated_serving_kiosk
from central.certs.service import CertificateError, CertificateService
from central.errors import ApiError, Responses
from central.staff import StaffSession
from common import wire
from common.certificates import (
    Acknowledged,
    AvailableReply,
    AvailableRequest,
    Certificate,
    CertificateRequest,
    PrintAudit,
    VerifyReply,
    b64url,
)

router = APIRouter(prefix=wire.API_PREFIX, tags=["certificates"])
ERRORS: Responses = {
    403: {"model": wire.ErrorReply, "description": "kiosk_suspended, card_not_present"},
    404: {"model": wire.ErrorReply},
    409: {"model": wire.ErrorReply},
    422: {"model": wire.ErrorReply},
}


def _service(request: Request) -> CertificateService:
    return request.app.state.certificates


def _errors(action):
    try:
        return action()
    except CertificateError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@router.post("/certificates/available", response_model=AvailableReply, responses=ERRORS)
def available(
    body: AvailableRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_serving_kiosk)
) -> AvailableReply:
    """What the card holder present at this kiosk may print (their own records only)."""
    return _service(request).available(person_for(request, kiosk, body.citizen_token))


@router.post("/certificates", response_model=Certificate, responses=ERRORS)
def issue(
    body: CertificateRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_serving_kiosk)
) -> Certificate:
    """Issue and sign a certificate for the card holder present at this kiosk (idempotent on request_id)."""
    person = person_for(request, kiosk, body.citizen_token)
    return _errors(lambda: _service(request).issue(kiosk.id, body, person, kiosk.site))


@router.post("/certificates/prints", response_model=Acknowledged, responses=ERRORS)
def record_print(body: PrintAudit, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Acknowledged:
    """One print attempt (outbox delivery; a repeated key is acknowledged, not stored twice)."""
    stored = _errors(lambda: _service(request).record_print(kiosk.id, body, kiosk.site))
    return Acknowledged(key=body.key, duplicate=not stored)


@router.get("/certificates/prints")
def print_audit(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    require(session, Permission.MANAGE_SITE, code="managers_only", why="the print audit is for the hall manager")
    sites = visible_sites(session)
    return {"prints": _service(request).audit_log(sites=sites)}


@router.get("/certificates/public-key", response_class=PlainTextResponse)
def public_key(request: Request) -> PlainTextResponse:
    """Central's Ed25519 public key (PEM), for offline verification."""
    key = _service(request).key
    return PlainTextResponse(
        key.public_pem, headers={"X-Key-Id": key.key_id, "X-Public-Key-Raw": b64url(key.public_raw)}
    )


@router.get("/verify/{cert_id}", response_model=VerifyReply)
def verify(cert_id: str, request: Request, s: str | None = None) -> VerifyReply:
    """The state of a certificate, from the id and signature in its QR code."""
    return _service(request).verify(cert_id, signature=s if s is not None else "")


@router.get("/verify", response_model=VerifyReply)
def verify_code(code: str, request: Request) -> VerifyReply:
    """The state of a certificate, from the check code printed under its QR code."""
    return _service(request).verify("", code=code[:20])
