"""The notification tables: who wants messages about what, and the outbox."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# A channel and address that wants messages about a ticket or a booking
# (a booking's subscription follows it onto its ticket at check-in).
subscriptions = Table(
    "notify_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(24), nullable=False),
    Column("ticket_id", String(24), nullable=True, index=True),
    Column("booking_code", String(16), nullable=True, index=True),
    Column("channel", String(10), nullable=False),  # sms, wechat, webpush
    Column("address", Text, nullable=False),  # the number, the openid, the push subscription (JSON)
    Column("recipient_key", String(64), nullable=False),  # keyed hash of the address: limits, opt-out
    Column("created_at", DateTime, nullable=False),
)

# Numbers and push subscriptions that asked for no more messages.
opt_outs = Table(
    "notify_opt_outs",
    metadata,
    Column("recipient_key", String(64), primary_key=True),
    Column("at", DateTime, nullable=False),
)

# The outbox: one row per message, its key making it unique (a message planned
# twice, by two nodes or after a restart, is one row).
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(120), nullable=False, unique=True),
    Column("subscription_id", Integer, nullable=False),
    Column("recipient_key", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # confirmed, reminder, three_ahead, called, missed
    Column("params", Text, nullable=False),  # JSON: what the text says
    Column("state", String(10), nullable=False),  # pending, sent, dropped, failed
    Column("attempts", Integer, nullable=False),
    Column("next_at", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("done_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=False),
)
Index("ix_notifications_state", notifications.c.state, notifications.c.id)
Index("ix_notifications_recipient", notifications.c.recipient_key, notifications.c.done_at)

# How far the planner has read the queue's events, and which node works a job.
cursors = Table(
    "notify_cursors",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("last_id", Integer, nullable=False),
)
worker_leases = Table(
    "worker_leases",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("until", DateTime, nullable=False),
)
