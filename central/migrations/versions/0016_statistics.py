"""statistics: rollup tables, kiosk use, who served each ticket, longer audit details, call templates per site

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# the measures as they were in this revision (central/stats/facts.py)
NUMBERS = (
    "issued",
    "issued_kiosk",
    "issued_offline",
    "issued_appointment",
    "issued_staff",
    "served",
    "no_shows",
    "transfers",
    "unserved",
    "wait_n",
    "wait_sum",
    "wait_max",
    "handle_n",
    "handle_sum",
    "handle_max",
    "rated",
    "rating_sum",
    "satisfied",
    "bad",
    "prints",
)
HISTOGRAMS = ("wait_hist", "handle_hist", "arrivals")


def _facts(name: str, period: str) -> None:
    op.create_table(
        name,
        sa.Column("dim", sa.String(8), primary_key=True),
        sa.Column("site", sa.String(24), primary_key=True),
        sa.Column(period, sa.Date, primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        *(sa.Column(n, sa.Integer, nullable=False, server_default="0") for n in NUMBERS),
        *(sa.Column(n, sa.Text, nullable=False, server_default="") for n in HISTOGRAMS),
    )


def upgrade() -> None:
    op.create_table(
        "stats_days",
        sa.Column("site", sa.String(24), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("fingerprint", sa.String(120), nullable=False),
        sa.Column("folded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "stats_months",
        sa.Column("site", sa.String(24), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("days", sa.Integer, nullable=False),
    )
    _facts("stats_daily", "day")
    _facts("stats_monthly", "month")
    op.create_table(
        "kiosk_usage",
        sa.Column("site", sa.String(24), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kiosk_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "usage_receipts",
        sa.Column("kiosk_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    # each site's call announcement, changed in the console ("": the [display] templates)
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("announce_zh", sa.String(120), nullable=False, server_default=""))
        batch.add_column(sa.Column("announce_en", sa.String(120), nullable=False, server_default=""))
    # a configuration change's entry carries the before and after
    with op.batch_alter_table("staff_audit") as batch:
        batch.alter_column("detail", type_=sa.String(2000), existing_type=sa.String(300), existing_nullable=False)
    # a site-day's events, ratings and prints, read by the fold
    op.create_index("ix_queue_events_site_at", "queue_events", ["site", "at"])
    op.create_index("ix_ratings_site_at", "ratings", ["site", "at"])
    op.create_index("ix_certificate_prints_site_at", "certificate_prints", ["site", "at"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("served_by", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("announce_en")
        batch.drop_column("announce_zh")
    with op.batch_alter_table("staff_audit") as batch:
        batch.alter_column("detail", type_=sa.String(300), existing_type=sa.String(2000), existing_nullable=False)
    op.drop_index("ix_certificate_prints_site_at", "certificate_prints")
    op.drop_index("ix_ratings_site_at", "ratings")
    op.drop_index("ix_queue_events_site_at", "queue_events")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("served_by")
    for name in ("usage_receipts", "kiosk_usage", "stats_monthly", "stats_daily", "stats_months", "stats_days"):
        op.drop_table(name)
