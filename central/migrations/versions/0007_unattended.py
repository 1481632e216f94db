"""offline number leases, ticket prints, device faults, kiosk health and pushed settings

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_leases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", sa.String(36), nullable=False, index=True),
        sa.Column("service_day", sa.Date, nullable=False),
        sa.Column("type", sa.String(1), nullable=False),
        sa.Column("first_number", sa.Integer, nullable=False),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.Column("leased_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("service_day", "type", "first_number", name="uq_lease_block"),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("offline", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("kiosk_issued_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("received_at", sa.DateTime, nullable=True))
    op.create_table(
        "ticket_prints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(24), nullable=False, index=True),
        sa.Column("number", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("kiosk_id", "key", name="uq_ticket_print_key"),
    )
    op.create_table(
        "kiosk_faults",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", sa.String(36), nullable=False, index=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("device", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("kiosk_id", "key", name="uq_fault_key"),
    )
    op.create_table(
        "kiosk_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("health", sa.JSON, nullable=True))
        batch.add_column(sa.Column("maintenance", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        for column in ("maintenance", "health"):
            batch.drop_column(column)
    for table in ("kiosk_settings", "kiosk_faults", "ticket_prints"):
        op.drop_table(table)
    with op.batch_alter_table("tickets") as batch:
        for column in ("received_at", "kiosk_issued_at", "offline"):
            batch.drop_column(column)
    op.drop_table("number_leases")
