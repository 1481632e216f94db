"""help calls: 一键呼叫 from kiosks, answered by the site's staff

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(24), nullable=False),
        sa.Column("kiosk_id", sa.String(36), nullable=False),
        sa.Column("kiosk_name", sa.String(80), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("screen", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("acknowledged_by", sa.String(40), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("kiosk_id", "key", name="uq_help_call_key"),
    )
    op.create_index("ix_help_calls_open", "help_calls", ["site", "acknowledged_at"])


def downgrade() -> None:
    op.drop_index("ix_help_calls_open", "help_calls")
    op.drop_table("help_calls")
