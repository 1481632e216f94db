"""sites: one central serves many halls, 便民服务中心 and self-service points

New tables hold each site, its business types (codes of 1-3 characters), its
counters, the matters it handles and the staff's sites. Every queue row,
kiosk, staff session, certificate, print and rating gets the site it belongs
to. The database's one hall becomes the first site, seeded from the TOML
([hall], [queue.types], [queue.counters]) that central runs with; existing rows
are all its own. Numbering, counters and leases are keyed by site.

Revision ID: 0011
Revises: 0010
"""

import json

import sqlalchemy as sa
from alembic import context, op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SITE = sa.String(24)
TYPE = sa.String(3)
# tables that gain a `site` column filled with the first site's code
SITED = (
    "tickets",
    "bookings",
    "queue_events",
    "number_leases",
    "ticket_prints",
    "kiosks",
    "certificates",
    "certificate_prints",
    "ratings",
)


def _first_site() -> dict:
    """The seed central passed in (central.db.upgrade: `Site.describe()` of the TOML's
    first site), or a plain hall."""
    seed = context.config.attributes.get("first_site")
    if seed is not None:
        return seed
    return {
        "code": "main",
        "kind": "hall",
        "name": "政务服务中心",
        "name_en": "Government Service Center",
        "address": "",
        "timezone": "Asia/Shanghai",
        "types": [],
        "counters": [],
    }


def upgrade() -> None:
    seed = _first_site()
    code = seed["code"]
    sites = op.create_table(
        "sites",
        sa.Column("code", SITE, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(40), nullable=False),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    types = op.create_table(
        "business_types",
        sa.Column("site", SITE, primary_key=True),
        sa.Column("code", TYPE, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("avg_minutes", sa.Float, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    counters = op.create_table(
        "site_counters",
        sa.Column("site", SITE, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("types", sa.String(200), nullable=False),
    )
    op.create_table(
        "site_matters",
        sa.Column("site", SITE, primary_key=True),
        sa.Column("matter_code", sa.String(64), primary_key=True),
        sa.Column("windows", sa.String(200), nullable=False),
    )
    config = op.create_table(
        "site_config", sa.Column("id", sa.Integer, primary_key=True), sa.Column("version", sa.Integer, nullable=False)
    )
    op.create_table(
        "staff_sites",
        sa.Column("username", sa.String(40), primary_key=True),
        sa.Column("site", SITE, primary_key=True),
    )
    hours = {"open": "00:00", "close": "24:00", "days": [1, 2, 3, 4, 5, 6, 7], "holidays": []}
    op.bulk_insert(
        sites,
        [
            {
                "code": code,
                "kind": seed["kind"],
                "name": seed["name"],
                "name_en": seed["name_en"],
                "address": seed["address"],
                "timezone": seed["timezone"],
                "latitude": None,
                "longitude": None,
                "hours": json.dumps(hours),
                "position": 1,
                "active": True,
            }
        ],
    )
    op.bulk_insert(types, [{"site": code, "position": i, **t} for i, t in enumerate(seed["types"])])
    op.bulk_insert(
        counters,
        [
            {"site": code, "number": c["number"], "name": c["name"], "types": ",".join(c["types"])}
            for c in seed["counters"]
        ],
    )
    op.bulk_insert(config, [{"id": 1, "version": 1}])
    op.execute(
        sa.text("INSERT INTO staff_sites (username, site) SELECT username, :site FROM staff").bindparams(site=code)
    )

    for table in SITED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("site", SITE, nullable=False, server_default=code))
    op.add_column("staff_sessions", sa.Column("site", SITE, nullable=True))
    op.execute(sa.text("UPDATE staff_sessions SET site = :site").bindparams(site=code))

    # numbering and counters are kept per site: new keys, rows copied over
    op.rename_table("number_counters", "number_counters_0010")
    op.create_table(
        "number_counters",
        sa.Column("site", SITE, primary_key=True),
        sa.Column("service_day", sa.Date, primary_key=True),
        sa.Column("type", TYPE, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.execute(
        sa.text(
            "INSERT INTO number_counters (site, service_day, type, last_number) "
            "SELECT :site, service_day, type, last_number FROM number_counters_0010"
        ).bindparams(site=code)
    )
    op.drop_table("number_counters_0010")
    op.rename_table("counter_states", "counter_states_0010")
    op.create_table(
        "counter_states",
        sa.Column("site", SITE, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("ticket_id", sa.String(24), nullable=True),
        sa.Column("staff", sa.String(40), nullable=True),
    )
    op.execute(
        sa.text(
            "INSERT INTO counter_states (site, number, open, paused, ticket_id, staff) "
            "SELECT :site, number, open, paused, ticket_id, staff FROM counter_states_0010"
        ).bindparams(site=code)
    )
    op.drop_table("counter_states_0010")

    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("type", existing_type=sa.String(1), type_=TYPE, existing_nullable=False)
        batch.alter_column("issued_type", existing_type=sa.String(1), type_=TYPE, existing_nullable=False)
        batch.drop_constraint("uq_ticket_number", type_="unique")
        batch.create_unique_constraint("uq_ticket_number", ["site", "service_day", "issued_type", "number"])
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index(
        "ix_tickets_queue", "tickets", ["site", "service_day", "type", "state", "order_rank", "order_at", "number"]
    )
    with op.batch_alter_table("bookings") as batch:
        batch.alter_column("type", existing_type=sa.String(1), type_=TYPE, existing_nullable=False)
    with op.batch_alter_table("number_leases") as batch:
        batch.alter_column("type", existing_type=sa.String(1), type_=TYPE, existing_nullable=False)
        batch.drop_constraint("uq_lease_block", type_="unique")
        batch.create_unique_constraint("uq_lease_block", ["site", "service_day", "type", "first_number"])
    op.create_index("ix_queue_events_site", "queue_events", ["site", "id"])
    op.create_index("ix_kiosks_site", "kiosks", ["site"])
    # the defaults only filled existing rows: from now on every writer names the site
    for table in SITED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("site", existing_type=SITE, server_default=None, existing_nullable=False)


def downgrade() -> None:
    raise NotImplementedError("sites cannot be merged back into one hall; restore the backup taken before upgrading")
