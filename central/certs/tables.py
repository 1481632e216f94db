"""Certificate and print-audit tables."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

certificates = Table(
    "certificates",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("issuer", String(100), nullable=False),
    Column("issued_at", DateTime, nullable=False),  # naive UTC, whole seconds (it is signed)
    Column("expires_at", Date, nullable=False),
    Column("content", Text, nullable=False),  # CertificateContent JSON: masked ID only
    Column("signature", String(100), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("check_code", String(14), nullable=False, unique=True),
    Column("kiosk_id", String(36), nullable=False),
    Column("site", String(24), nullable=False),  # where the kiosk stood
    Column("request_id", String(64), nullable=False),
    Column("person_key", String(64), nullable=False),  # keyed hash: who asked, for audits; never shown
    Column("revoked_at", DateTime, nullable=True),
    Column("revoked_reason", String(200), nullable=True),
    # set when the retention period ended: `content` then holds no personal data (central.retention)
    Column("content_purged_at", DateTime, nullable=True),
    UniqueConstraint("kiosk_id", "request_id", name="uq_certificate_request"),
)

prints = Table(
    "certificate_prints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(36), nullable=False),
    Column("site", String(24), nullable=False),  # where the kiosk stood
    Column("key", String(64), nullable=False),
    Column("certificate_id", String(16), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("copies", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime, nullable=False),  # kiosk time
    Column("received_at", DateTime, nullable=False),  # central time: orders
    UniqueConstraint("kiosk_id", "key", name="uq_print_key"),
    Index("ix_certificate_prints_site_at", "site", "at"),  # a site-day's (statistics)
)
