"""Tables owned by central. Changing one means adding an Alembic revision."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every backend, always read back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


class CentralKey(Base):
    """A fingerprint of a secret every central node must share (central.node_keys), never the secret."""

    __tablename__ = "central_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Kiosk(Base):
    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    site: Mapped[str] = mapped_column(String(24), index=True)  # where it stands (central.sites); can be moved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # sha256 of the one-time code; cleared once used
    enrollment_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    enrollment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # bumping the generation invalidates the derived secret
    secret_generation: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    uptime_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    devices: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    health: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # wire.KioskHealth of the last heartbeat
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)  # switched from central
    # set when the kiosk presented more ID cards than real citizens could (central.citizens)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    suspended_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.enrolled_at:
            return "enrolled"
        return "pending"


class UsedNonce(Base):
    """Nonces of accepted requests inside the clock-skew window; the unique
    constraint is what rejects a replay, across every worker process."""

    __tablename__ = "used_nonces"
    __table_args__ = (UniqueConstraint("kiosk_id", "nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(36), ForeignKey("kiosks.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Heartbeat(Base):
    """Recent heartbeats, for uptime history on the fleet page."""

    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(36), ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[str] = mapped_column(String(40))
    uptime_s: Mapped[float] = mapped_column(Float)
    devices: Mapped[dict] = mapped_column(JSON)


class KioskFault(Base):
    """Device faults and their clearing, as kiosks reported them (once per key)."""

    __tablename__ = "kiosk_faults"
    __table_args__ = (UniqueConstraint("kiosk_id", "key", name="uq_fault_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(36), index=True)
    key: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KioskSettingsRow(Base):
    """The settings pushed to every kiosk (one row); `version` grows on each change."""

    __tablename__ = "kiosk_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
