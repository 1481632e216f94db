"""The booking tables. `bookings` itself belongs to the queue's tables (the
kiosk checks bookings in inside the ticket transaction); these hold the rules,
the counted places, and the verified phones."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table

metadata = MetaData()

# Per site and business type; a missing row means the [booking] defaults.
booking_rules = Table(
    "booking_rules",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("type", String(3), primary_key=True),
    Column("slot_minutes", Integer, nullable=False),
    Column("quota", Integer, nullable=False),
    Column("days_ahead", Integer, nullable=False),
    Column("cutoff_minutes", Integer, nullable=False),
    Column("remote", Boolean, nullable=False),
    Column("remote_window_min", Integer, nullable=False),
)

# Places taken, counted under a row lock: `UPDATE ... SET taken = taken + 1
# WHERE taken < :limit` is atomic on both engines and across nodes. A scope
# names what is counted: a slot (slot|site|type|start) or a person's remote
# places of a day (remote|person|day).
booking_counts = Table(
    "booking_counts",
    metadata,
    Column("scope", String(160), primary_key=True),
    Column("taken", Integer, nullable=False),
)

# Verification codes sent to a mobile number (only hashes are kept).
phone_codes = Table(
    "phone_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("phone_key", String(64), nullable=False),
    Column("address_key", String(64), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("sent_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used", Boolean, nullable=False),
)
Index("ix_phone_codes_phone", phone_codes.c.phone_key, phone_codes.c.sent_at)
Index("ix_phone_codes_address", phone_codes.c.address_key, phone_codes.c.sent_at)

# A verified phone's browser session: the number is kept (messages go to it)
# until the session ends; the browser holds only the token.
phone_sessions = Table(
    "phone_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("phone", String(20), nullable=False),
    Column("phone_key", String(64), nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)
