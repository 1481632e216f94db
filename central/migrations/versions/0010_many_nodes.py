"""several central nodes on one database: a ticket's number stays unique in the
type it was issued in (a transfer keeps its number), and the database records
which keys the nodes must share

`tickets.issued_type` is the type the number was taken from; a transferred
ticket changes `type` and keeps `issued_type`, so B081 sent to E no longer
collides with E081. The per-person index leads with the person. `central_keys` holds a fingerprint per shared secret
(never the secret): a node started with another key refuses to run.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("issued_type", sa.String(1), nullable=True))
    op.execute("UPDATE tickets SET issued_type = type")
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("issued_type", existing_type=sa.String(1), nullable=False)
        batch.drop_constraint("uq_ticket_number", type_="unique")
        batch.create_unique_constraint("uq_ticket_number", ["service_day", "issued_type", "number"])
    # person first: with service_day leading, PostgreSQL's planner took this index for the queue's
    # counts whenever its statistics lagged behind a new day (every morning), filtering row by row
    op.drop_index("ix_tickets_person", table_name="tickets")
    op.create_index("ix_tickets_person", "tickets", ["person_key", "service_day"])
    op.create_table(
        "central_keys",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("central_keys")
    op.drop_index("ix_tickets_person", table_name="tickets")
    op.create_index("ix_tickets_person", "tickets", ["service_day", "person_key"])
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_ticket_number", type_="unique")
        batch.create_unique_constraint("uq_ticket_number", ["service_day", "type", "number"])
        batch.drop_column("issued_type")
