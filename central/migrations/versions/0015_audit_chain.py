"""audit chain: the staff audit trail gets role, site and a hash chain

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from central.audit import chain_existing

    with op.batch_alter_table("staff_audit") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("site", sa.String(24), nullable=False, server_default=""))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    chain_existing(op.get_bind())  # the entries written before: chained in the order they were written


def downgrade() -> None:
    op.drop_table("audit_head")
    with op.batch_alter_table("staff_audit") as batch:
        for column in ("hash", "prev_hash", "site", "role"):
            batch.drop_column(column)
