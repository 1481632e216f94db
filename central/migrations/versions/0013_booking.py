"""booking: the citizen's phone books slots, takes remote places, gets messages

Bookings gain where they came from (a slot or a remote queue place), the
matter, the masked name and ID shown back to the citizen, and the verified
phone that may change them. New tables: booking rules per site and type,
counted places, verification codes and phone sessions, and the notification
outbox with its subscriptions, opt-outs, cursors and worker leases. Existing
bookings are slots made by the CLI or a kiosk: nothing else changes.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="slot"))
        batch.add_column(sa.Column("matter_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("name_masked", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("id_masked", sa.String(24), nullable=False, server_default=""))
        batch.add_column(sa.Column("phone_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("created_at", sa.DateTime, nullable=True))
    op.create_index("ix_bookings_phone_key", "bookings", ["phone_key"])
    op.create_index("ix_bookings_state", "bookings", ["state", "slot_start"])
    op.create_table(
        "booking_rules",
        sa.Column("site", sa.String(24), primary_key=True),
        sa.Column("type", sa.String(3), primary_key=True),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("quota", sa.Integer, nullable=False),
        sa.Column("days_ahead", sa.Integer, nullable=False),
        sa.Column("cutoff_minutes", sa.Integer, nullable=False),
        sa.Column("remote", sa.Boolean, nullable=False),
        sa.Column("remote_window_min", sa.Integer, nullable=False),
    )
    op.create_table(
        "booking_counts",
        sa.Column("scope", sa.String(160), primary_key=True),
        sa.Column("taken", sa.Integer, nullable=False),
    )
    op.create_table(
        "phone_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("phone_key", sa.String(64), nullable=False),
        sa.Column("address_key", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    op.create_index("ix_phone_codes_phone", "phone_codes", ["phone_key", "sent_at"])
    op.create_index("ix_phone_codes_address", "phone_codes", ["address_key", "sent_at"])
    op.create_table(
        "phone_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("phone_key", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "notify_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(24), nullable=False),
        sa.Column("ticket_id", sa.String(24), nullable=True, index=True),
        sa.Column("booking_code", sa.String(16), nullable=True, index=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("recipient_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "notify_opt_outs",
        sa.Column("recipient_key", sa.String(64), primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("subscription_id", sa.Integer, nullable=False),
        sa.Column("recipient_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("done_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=False),
    )
    op.create_index("ix_notifications_state", "notifications", ["state", "id"])
    op.create_index("ix_notifications_recipient", "notifications", ["recipient_key", "done_at"])
    op.create_table(
        "notify_cursors",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False),
    )
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "worker_leases",
        "notify_cursors",
        "notifications",
        "notify_opt_outs",
        "notify_subscriptions",
        "phone_sessions",
        "phone_codes",
        "booking_counts",
        "booking_rules",
    ):
        op.drop_table(table)
    op.drop_index("ix_bookings_state", "bookings")
    op.drop_index("ix_bookings_phone_key", "bookings")
    with op.batch_alter_table("bookings") as batch:
        for column in ("created_at", "phone_key", "id_masked", "name_masked", "matter_code", "kind"):
            batch.drop_column(column)
