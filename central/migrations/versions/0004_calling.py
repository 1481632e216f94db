"""calling: counter states, queue events

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counter_states",
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("open", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("ticket_id", sa.String(24)),
        sa.Column("staff", sa.String(40)),
    )
    op.create_table(
        "queue_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ticket_id", sa.String(24)),
        sa.Column("payload", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("queue_events")
    op.drop_table("counter_states")
