"""Certificates (自助打印证明) on the wire, and the one
definition of what a certificate's signature covers, imported by central (to
sign and verify), by the kiosk (to render) and by offline verifiers.

A certificate is signed with Ed25519 over `canonical(cert)`: its id, kind,
issuer, times and content as compact JSON with sorted keys. The QR code holds
`{public_url}/verify/{id}?s={signature}`; the verify page shows the content
central holds, so editing the paper cannot fool a reader of the page."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from common.wire import CitizenTokenStr, WireModel

SubjectKind = Literal["person", "company"]
VerifyState = Literal["genuine", "revoked", "expired", "unknown", "invalid"]


class CertificateField(WireModel):
    label: str
    value: str


class CertificateTable(WireModel):
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class CertificateContent(WireModel):
    title: str
    subject_name: str
    subject_id: str = Field(description="masked ID number or the company's credit code")
    fields: tuple[CertificateField, ...] = ()
    table: CertificateTable | None = None
    statement: str = ""


class Certificate(WireModel):
    id: str = Field(pattern=r"^[A-Z2-7]{16}$")
    kind: str
    issuer: str
    issued_at: datetime
    expires_at: date
    content: CertificateContent
    signature: str = Field(description="Ed25519 over canonical(), base64url without padding")
    key_id: str = Field(description="which central signing key (first 16 hex of its SHA-256)")
    verify_url: str
    check_code: str = Field(description="typed on the verify page when the QR cannot be scanned")


class AvailableCertificate(WireModel):
    kind: str
    title: str
    title_en: str
    subject_ref: str = Field(description="which record: the person, or a company's credit code")
    subject_label: str = Field(description="masked, for the screen")
    pages_hint: int = 1


class AvailableReply(WireModel):
    certificates: tuple[AvailableCertificate, ...]
    max_copies: int


class AvailableRequest(WireModel):
    citizen_token: CitizenTokenStr


class CertificateRequest(WireModel):
    request_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="idempotency key: a retried request returns the same certificate",
    )
    kind: str = Field(max_length=40)
    citizen_token: CitizenTokenStr
    subject_ref: str = Field(default="", max_length=40)


class PrintAudit(WireModel):
    """One print attempt, sent through the kiosk's outbox."""

    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    certificate_id: str = Field(pattern=r"^[A-Z2-7]{16}$")
    kind: str
    copies: int = Field(ge=1, le=20)
    pages: int = Field(ge=0, le=200)
    outcome: Literal["printed", "failed"]
    reason: str = ""
    attempt: int = Field(ge=1, le=100, description="1 for the first print, more for retries and reprints")
    at: datetime


class Acknowledged(WireModel):
    key: str
    duplicate: bool = False


class VerifyReply(WireModel):
    state: VerifyState
    message: str
    certificate: Certificate | None = None
    revoked_at: datetime | None = None


def canonical(
    cert_id: str, kind: str, issuer: str, issued_at: datetime, expires_at: date, content: CertificateContent
) -> bytes:
    """The exact bytes a signature covers."""
    body = {
        "id": cert_id,
        "kind": kind,
        "issuer": issuer,
        "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expires_at": expires_at.isoformat(),
        "content": content.model_dump(mode="json"),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_code(signature: str) -> str:
    """12 characters a person can type, derived from the signature."""
    digest = base64.b32encode(hashlib.sha256(signature.encode()).digest()).decode()[:12]
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def verify_signature(public_key_raw: bytes, cert: Certificate) -> bool:
    """Offline check of a certificate (e.g. the JSON from /api/v1/verify) with
    central's published public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(
            from_b64url(cert.signature),
            canonical(cert.id, cert.kind, cert.issuer, cert.issued_at, cert.expires_at, cert.content),
        )
        return True
    except (InvalidSignature, ValueError):
        return False
