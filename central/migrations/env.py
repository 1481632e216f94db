"""Alembic environment: runs on the connection central hands over."""

from alembic import context

from central.booking.tables import metadata as booking_metadata
from central.catalog import tables  # noqa: F401  (registers the catalog tables)
from central.certs.tables import metadata as certs_metadata
from central.models import Base
from central.notify.tables import metadata as notify_metadata
from central.queue.tables import metadata as queue_metadata
from central.ratings.tables import metadata as ratings_metadata
from central.sites.tables import metadata as sites_metadata
from central.staff import metadata as staff_metadata
from central.stats.tables import metadata as stats_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=[
        Base.metadata,
        queue_metadata,
        staff_metadata,
        certs_metadata,
        sites_metadata,
        ratings_metadata,
        booking_metadata,
        notify_metadata,
        stats_metadata,
    ],
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
