"""Issuing, verifying and auditing certificates.

A certificate is issued once per kiosk request id (a retried request, or a
reprint after a paper jam, gets the same certificate back), signed with
central's Ed25519 key and stored with masked identifiers only."""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from central.certs.backoffice import BackOffice
from central.certs.keys import SigningKey
from central.certs.tables import certificates, prints
from central.clock import db_now
from central.config import CentralConfig
from central.db import writer
from common.certificates import (
    AvailableCertificate,
    AvailableReply,
    Certificate,
    CertificateContent,
    CertificateRequest,
    PrintAudit,
    VerifyReply,
    canonical,
    check_code,
    verify_signature,
)

_c = certificates.c


class CertificateError(Exception):
    def __init__(self, code: str, message: str, status: int = 409):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _now() -> datetime:
    """Certificates are dated to the second."""
    return db_now().replace(microsecond=0)


def new_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()  # 16 characters A-Z2-7


class CertificateService:
    def __init__(
        self,
        config: CentralConfig,
        engine: Engine,
        key: SigningKey,
        backoffice: BackOffice,
        keyring: dict[str, bytes] | None = None,
    ):
        self.cfg = config.certificates
        self.public_url = config.server.public_url.rstrip("/")
        self.tz = ZoneInfo(config.hall.timezone)
        self.first_site = config.hall.code  # where a caller that names no site stands (in-process tools)
        self.engine = engine
        self.key = key
        self.keyring = keyring if keyring is not None else {key.key_id: key.public_raw}
        self.backoffice = backoffice
        self.kinds = {k.code: k for k in self.cfg.kinds}

    def available(self, person_key: str) -> AvailableReply:
        subjects = self.backoffice.subjects(self.cfg.kinds, person_key)
        return AvailableReply(
            max_copies=self.cfg.max_copies,
            certificates=tuple(
                AvailableCertificate(
                    kind=s.kind,
                    title=self.kinds[s.kind].name,
                    title_en=self.kinds[s.kind].name_en or self.kinds[s.kind].name,
                    subject_ref=s.subject_ref,
                    subject_label=s.label,
                )
                for s in subjects
            ),
        )

    def _row_to_cert(self, row) -> Certificate:
        return Certificate(
            id=row.id,
            kind=row.kind,
            issuer=row.issuer,
            issued_at=row.issued_at.replace(tzinfo=UTC),
            expires_at=row.expires_at,
            content=CertificateContent.model_validate_json(row.content),
            signature=row.signature,
            key_id=row.key_id,
            verify_url=self.verify_url(row.id, row.signature),
            check_code=row.check_code,
        )

    def verify_url(self, cert_id: str, signature: str) -> str:
        return f"{self.public_url}/verify/{cert_id}?s={signature}"

    def issue(
        self, kiosk_id: str, request: CertificateRequest, person_key: str, site: str | None = None
    ) -> Certificate:
        """`person_key`: the keyed hash of the card holder central resolved from the request's citizen token;
        `site`: where the kiosk stands (the print audit's site)."""
        kind = self.kinds.get(request.kind)
        if kind is None:
            raise CertificateError("unknown_kind", f"no certificate kind {request.kind!r}", 422)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(certificates).where(_c.kiosk_id == kiosk_id, _c.request_id == request.request_id)
            ).first()
        if row is not None:  # a retry: the same certificate, never a second one
            if row.person_key != person_key or row.kind != request.kind or row.content_purged_at is not None:
                raise CertificateError("request_id_reused", "this request id was used for another request", 409)
            return self._row_to_cert(row)
        content = self.backoffice.content(kind, person_key, request.subject_ref or "self")
        if content is None:
            raise CertificateError("no_record", "no such record for this card holder", 404)
        issued = _now()
        local_day = issued.replace(tzinfo=UTC).astimezone(self.tz).date()
        expires = local_day + timedelta(days=self.cfg.valid_days)
        cert_id = new_id()
        issuer = kind.issuer or self.cfg.issuer
        signature = self.key.sign(canonical(cert_id, kind.code, issuer, issued, expires, content))
        values = {
            "id": cert_id,
            "kind": kind.code,
            "issuer": issuer,
            "issued_at": issued,
            "expires_at": expires,
            "content": content.model_dump_json(),
            "signature": signature,
            "key_id": self.key.key_id,
            "check_code": check_code(signature),
            "kiosk_id": kiosk_id,
            "site": site or self.first_site,
            "request_id": request.request_id,
            "person_key": person_key,
        }
        try:
            with writer(self.engine) as conn, conn.begin():
                conn.execute(insert(certificates).values(**values))
        except IntegrityError:  # the same request twice at once: the other one won
            return self.issue(kiosk_id, request, person_key, site)
        return self._row_to_cert(SimpleNamespace(**values))  # what was stored, without reading it back

    def verify(
        self, cert_id: str, signature: str | None = None, code: str | None = None, today: date | None = None
    ) -> VerifyReply:
        """State of a certificate from its QR (id + signature) or its check code."""
        with self.engine.connect() as conn:
            query = (
                select(certificates).where(_c.check_code == code.strip().upper())
                if code
                else select(certificates).where(_c.id == cert_id)
            )
            row = conn.execute(query).first()
        if row is None:
            return VerifyReply(state="unknown", message="no certificate with this id or check code was issued here")
        if signature is not None and not hmac.compare_digest(signature.encode(), row.signature.encode()):
            return VerifyReply(
                state="invalid",
                message="the signature does not belong to this certificate: the QR code was altered or forged",
            )
        if row.content_purged_at is not None:  # past its retention period: nothing personal is kept to show
            return VerifyReply(
                state="expired",
                message=f"valid until {row.expires_at.isoformat()}; its content was removed after the retention period",
            )
        cert = self._row_to_cert(row)
        public = self.keyring.get(row.key_id)
        if public is None or not verify_signature(public, cert):  # checked with the key that signed it, always
            return VerifyReply(state="invalid", message="the stored certificate fails its signature check")
        if row.revoked_at is not None:
            return VerifyReply(
                state="revoked",
                message=f"revoked: {row.revoked_reason or ''}".strip(),
                certificate=cert,
                revoked_at=row.revoked_at.replace(tzinfo=UTC),
            )
        today = today or datetime.now(self.tz).date()
        if today > row.expires_at:
            return VerifyReply(state="expired", message=f"valid until {row.expires_at.isoformat()}", certificate=cert)
        return VerifyReply(state="genuine", message="issued by this service hall; content as shown", certificate=cert)

    def revoke(self, cert_id: str, reason: str) -> bool:
        with writer(self.engine) as conn, conn.begin():
            return bool(
                conn.execute(
                    update(certificates)
                    .where(_c.id == cert_id, _c.revoked_at.is_(None))
                    .values(revoked_at=_now(), revoked_reason=reason[:200])
                ).rowcount
            )

    def record_print(self, kiosk_id: str, audit: PrintAudit, site: str | None = None) -> bool:
        """Store one print attempt; False when this key was stored before."""
        with self.engine.connect() as conn:
            if (
                conn.execute(select(_c.id).where(_c.id == audit.certificate_id, _c.kiosk_id == kiosk_id)).first()
                is None
            ):
                raise CertificateError("unknown_certificate", "this kiosk did not issue that certificate", 404)
        at = audit.at.astimezone(UTC).replace(tzinfo=None) if audit.at.tzinfo else audit.at
        try:
            with writer(self.engine) as conn, conn.begin():
                conn.execute(
                    insert(prints).values(
                        kiosk_id=kiosk_id,
                        site=site or self.first_site,
                        key=audit.key,
                        certificate_id=audit.certificate_id,
                        kind=audit.kind,
                        copies=audit.copies,
                        pages=audit.pages,
                        outcome=audit.outcome,
                        reason=audit.reason[:200],
                        attempt=audit.attempt,
                        at=at,
                        received_at=_now(),
                    )
                )
        except IntegrityError:
            return False
        return True

    def audit_log(self, limit: int = 100, sites: tuple[str, ...] | None = None) -> list[dict]:
        """The newest print attempts: at `sites`, or everywhere (None)."""
        query = select(prints).order_by(prints.c.received_at.desc(), prints.c.id.desc()).limit(limit)
        if sites is not None:
            query = query.where(prints.c.site.in_(sites))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {**row._asdict(), "at": row.at.isoformat() + "Z", "received_at": row.received_at.isoformat() + "Z"}
            for row in rows
        ]
