"""card presentations, kiosk suspension, login back-off by source, staff audit,
certificate content retention

ID numbers are hashed on central only: a kiosk presents the card it read and
gets a short-lived citizen token (`citizen_presences`); a kiosk that presents
too many identities is suspended until a manager reviews it. Failed staff
logins are counted per source address (`login_throttle`), not per account.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("suspended_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("suspended_reason", sa.String(200), nullable=True))
    op.create_table(
        "citizen_presences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kiosk_id", sa.String(36), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("presented_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_presences_kiosk", "citizen_presences", ["kiosk_id", "presented_at"])
    op.create_index("ix_presences_at", "citizen_presences", ["presented_at"])
    op.create_table(
        "login_throttle",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", sa.DateTime, nullable=False),
        sa.Column("blocked_until", sa.DateTime, nullable=True),
    )
    op.drop_table("login_failures")
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("content_purged_at", sa.DateTime, nullable=True))
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("staff_audit")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("content_purged_at")
    op.drop_table("login_throttle")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(40), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.drop_table("citizen_presences")
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("suspended_reason")
        batch.drop_column("suspended_at")
