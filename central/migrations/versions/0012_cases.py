"""cases: 好差评 by GB/T 39734, one rating per case, reported to the province

A counter that finishes a ticket records the matters handled; each becomes a
case (办件) with a number, rated once through the window evaluator, the
ticket's QR page or a kiosk. Bad reviews get three deadlines (contact,
resolve, close), steps recorded with who took them, and escalation. Every
rating goes to the provincial system through an outbox (`rating_deliveries`):
ratings made before this release are queued too, oldest first. Staff get a
display name (the evaluator shows it).

Existing follow-ups: `in_progress` becomes `contacted`; the old deadline (a
day) becomes the resolve deadline, contact is due a day after the rating and
closing five days after resolving; a note becomes a step by `migration`.

Revision ID: 0012
Revises: 0011
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _as_datetime(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value[:10])
    return datetime(value.year, value.month, value.day)


def upgrade() -> None:
    with op.batch_alter_table("ratings") as batch:
        batch.alter_column("case_number", type_=sa.String(32), existing_type=sa.String(24), existing_nullable=False)
        batch.add_column(sa.Column("rater_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("contact_due", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("resolve_due", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("close_due", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("escalation", sa.Integer, nullable=False, server_default="0"))
    steps = op.create_table(
        "follow_up_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(32), nullable=False, index=True),
        sa.Column("step", sa.String(12), nullable=False),
        sa.Column("staff", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    conn = op.get_bind()
    ratings = sa.table(
        "ratings",
        sa.column("id", sa.Integer),
        sa.column("case_number", sa.String),
        sa.column("received_at", sa.DateTime),
        sa.column("follow_up_state", sa.String),
        sa.column("follow_up_due", sa.Date),
        sa.column("follow_up_note", sa.Text),
        sa.column("contact_due", sa.DateTime),
        sa.column("resolve_due", sa.DateTime),
        sa.column("close_due", sa.DateTime),
        sa.column("channel", sa.String),
    )
    old = conn.execute(
        sa.select(
            ratings.c.id,
            ratings.c.case_number,
            ratings.c.received_at,
            ratings.c.follow_up_state,
            ratings.c.follow_up_due,
            ratings.c.follow_up_note,
        ).where(ratings.c.follow_up_state.is_not(None))
    ).all()
    for row in old:
        received = row.received_at if isinstance(row.received_at, datetime) else datetime.fromisoformat(row.received_at)
        resolve = (_as_datetime(row.follow_up_due) or received) + timedelta(days=1)
        conn.execute(
            sa.update(ratings)
            .where(ratings.c.id == row.id)
            .values(
                follow_up_state="contacted" if row.follow_up_state == "in_progress" else row.follow_up_state,
                contact_due=received + timedelta(days=1),
                resolve_due=resolve,
                close_due=resolve + timedelta(days=5),
            )
        )
        if row.follow_up_note:
            op.bulk_insert(
                steps,
                [
                    {
                        "case_number": row.case_number,
                        "step": "note",
                        "staff": "migration",
                        "at": received,
                        "note": row.follow_up_note,
                    }
                ],
            )
    conn.execute(sa.update(ratings).values(channel="terminal"))  # before cases, every rating came from a kiosk
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("follow_up_due")
        batch.drop_column("follow_up_note")

    op.create_table(
        "cases",
        sa.Column("case_number", sa.String(32), primary_key=True),
        sa.Column("site", sa.String(24), nullable=False),
        sa.Column("ticket_id", sa.String(24), nullable=False, index=True),
        sa.Column("counter", sa.Integer, nullable=False),
        sa.Column("staff", sa.String(40), nullable=False),
        sa.Column("matter_code", sa.String(24), nullable=False),
        sa.Column("matter_name", sa.String(100), nullable=False),
        sa.Column("department_code", sa.String(18), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=True, index=True),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("rate_until", sa.DateTime, nullable=False),
    )
    op.create_index("ix_cases_counter", "cases", ["site", "counter", "finished_at"])
    op.create_table(
        "case_sequences",
        sa.Column("scope", sa.String(24), primary_key=True),
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "rating_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rating_id", sa.Integer, nullable=False, unique=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_at", sa.DateTime, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("done_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_rating_deliveries_state", "rating_deliveries", ["state", "id"])
    op.execute(
        "INSERT INTO rating_deliveries (rating_id, state, attempts, next_at, last_error) "
        "SELECT id, 'pending', 0, received_at, '' FROM ratings ORDER BY id"
    )
    op.create_table(
        "rating_sink_lease",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("display_name", sa.String(40), nullable=False, server_default=""))


def downgrade() -> None:
    raise NotImplementedError("cases and the rating outbox cannot be undone; restore the backup taken before upgrading")
