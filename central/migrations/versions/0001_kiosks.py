"""kiosks, nonces, heartbeats

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("enrollment_code_hash", sa.String(64), nullable=True, index=True),
        sa.Column("enrollment_expires_at", sa.DateTime(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(), nullable=True),
        sa.Column("secret_generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.String(40), nullable=True),
        sa.Column("uptime_s", sa.Float, nullable=True),
        sa.Column("devices", sa.JSON, nullable=True),
    )
    op.create_table(
        "used_nonces",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", sa.String(36), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False, index=True),
        sa.UniqueConstraint("kiosk_id", "nonce"),
    )
    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "kiosk_id", sa.String(36), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("received_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("uptime_s", sa.Float, nullable=False),
        sa.Column("devices", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("heartbeats")
    op.drop_table("used_nonces")
    op.drop_table("kiosks")
