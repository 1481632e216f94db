"""the queue index covers the whole calling order (order_rank, order_at, number)

"People ahead" is counted as three index ranges; with `number` in the index
all three are answered from the index alone.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD = ["service_day", "type", "state", "order_rank", "order_at"]


def upgrade() -> None:
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", [*OLD, "number"])


def downgrade() -> None:
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", OLD)
