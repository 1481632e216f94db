"""queue: number counters, tickets, bookings

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_counters",
        sa.Column("service_day", sa.Date, primary_key=True),
        sa.Column("type", sa.String(1), primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("service_day", sa.Date, nullable=False),
        sa.Column("type", sa.String(1), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("display", sa.String(8), nullable=False),
        sa.Column("ticket_class", sa.String(12), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("order_rank", sa.Integer, nullable=False),
        sa.Column("order_at", sa.DateTime, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("kiosk_id", sa.String(36)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("person_key", sa.String(64)),
        sa.Column("priority_reason", sa.String(20)),
        sa.Column("booking_code", sa.String(16)),
        sa.Column("counter", sa.Integer),
        sa.Column("called_at", sa.DateTime),
        sa.Column("finished_at", sa.DateTime),
        sa.UniqueConstraint("service_day", "type", "number", name="uq_ticket_number"),
        sa.UniqueConstraint("kiosk_id", "request_id", name="uq_ticket_request"),
    )
    op.create_index("ix_tickets_queue", "tickets", ["service_day", "type", "state", "order_rank", "order_at"])
    op.create_index("ix_tickets_person", "tickets", ["service_day", "person_key"])
    op.create_table(
        "bookings",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("type", sa.String(1), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False, index=True),
        sa.Column("slot_start", sa.DateTime, nullable=False),
        sa.Column("slot_end", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("ticket_id", sa.String(24)),
    )


def downgrade() -> None:
    for table in ("bookings", "tickets", "number_counters"):
        op.drop_table(table)
