"""好差评 tables: ratings, the cases (办件) counters record, the follow-up of
bad reviews, and the outbox of deliveries to the provincial system."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

# One row per rating. A kiosk's rating of its own service gets a case number of
# its own; a case's rating carries the case's number, so the unique constraint
# is what makes a case rateable once, on every node at once.
ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(32), nullable=False, unique=True),
    Column("kiosk_id", String(36), nullable=False),  # "" when rated on a web page
    Column("site", String(24), nullable=False),
    Column("key", String(64), nullable=False),
    Column("level", Integer, nullable=False),
    Column("level_code", String(8), nullable=False),
    Column("subject", String(12), nullable=False),  # ticket, certificate, guide, hall, case
    Column("subject_ref", String(64), nullable=False),
    Column("reasons", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("channel", String(40), nullable=False),  # window, qr, terminal
    Column("region", String(12), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("rater_key", String(64), nullable=True),  # keyed hash of the rater, when known
    # bad reviews: contact the citizen, resolve, close, each by its deadline
    Column("follow_up_state", String(12), nullable=True),  # open, contacted, resolved, closed
    Column("contact_due", DateTime, nullable=True),
    Column("resolve_due", DateTime, nullable=True),
    Column("close_due", DateTime, nullable=True),
    Column("escalation", Integer, nullable=False, default=0),  # deadlines missed so far (0-3)
    UniqueConstraint("kiosk_id", "key", name="uq_rating_key"),
    Index("ix_ratings_site_at", "site", "at"),  # a site-day's (statistics)
)

# What a counter handled for a ticket: one row per matter (办件)
cases = Table(
    "cases",
    metadata,
    Column("case_number", String(32), primary_key=True),
    Column("site", String(24), nullable=False),
    Column("ticket_id", String(24), nullable=False, index=True),
    Column("counter", Integer, nullable=False),
    Column("staff", String(40), nullable=False),
    Column("matter_code", String(24), nullable=False),
    Column("matter_name", String(100), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("person_key", String(64), nullable=True, index=True),  # the ticket's, when taken with a card
    Column("finished_at", DateTime, nullable=False),
    Column("rate_until", DateTime, nullable=False),
    Index("ix_cases_counter", "site", "counter", "finished_at"),
)

# Case numbers' sequence, per scope (a site, or "" city-wide) and local day
case_sequences = Table(
    "case_sequences",
    metadata,
    Column("scope", String(24), primary_key=True),
    Column("day", String(8), primary_key=True),
    Column("last", Integer, nullable=False),
)

# Every step of a bad review's follow-up, by whom ("system" for escalations)
follow_up_steps = Table(
    "follow_up_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(32), nullable=False, index=True),
    Column("step", String(12), nullable=False),  # contacted, resolved, closed, escalated, note
    Column("staff", String(40), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("note", Text, nullable=False),
)

# The outbox towards the provincial system: one row per rating, delivered in id order
rating_deliveries = Table(
    "rating_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rating_id", Integer, nullable=False, unique=True),
    Column("state", String(10), nullable=False),  # pending, delivered, refused
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", DateTime, nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("done_at", DateTime, nullable=True),
    Index("ix_rating_deliveries_state", "state", "id"),
)

# Which node delivers: one holder at a time, so ratings leave in order, once
rating_sink_lease = Table(
    "rating_sink_lease",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("until", DateTime, nullable=False),
)
