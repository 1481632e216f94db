"""certificates, print audit, ratings

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("issuer", sa.String(100), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.Date, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("check_code", sa.String(14), nullable=False, unique=True),
        sa.Column("kiosk_id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("revoked_reason", sa.String(200)),
        sa.UniqueConstraint("kiosk_id", "request_id", name="uq_certificate_request"),
    )
    op.create_table(
        "certificate_prints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("certificate_id", sa.String(16), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("copies", sa.Integer, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("kiosk_id", "key", name="uq_print_key"),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(24), nullable=False, unique=True),
        sa.Column("kiosk_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("level_code", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(12), nullable=False),
        sa.Column("subject_ref", sa.String(64), nullable=False),
        sa.Column("reasons", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("follow_up_due", sa.Date),
        sa.Column("follow_up_state", sa.String(12)),
        sa.Column("follow_up_note", sa.Text),
        sa.UniqueConstraint("kiosk_id", "key", name="uq_rating_key"),
    )


def downgrade() -> None:
    for table in ("ratings", "certificate_prints", "certificates"):
        op.drop_table(table)
