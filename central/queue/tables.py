"""Queue tables. `number_counters` is what makes numbers unique and gap-free
under any number of workers: the number is taken from it in the same write
transaction that inserts the ticket, so a failure returns the number too."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

number_counters = Table(
    "number_counters",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("service_day", Date, primary_key=True),
    Column("type", String(3), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("site", String(24), nullable=False),
    Column("service_day", Date, nullable=False),
    Column("type", String(3), nullable=False),  # the queue it waits in now (a transfer changes it)
    Column("issued_type", String(3), nullable=False),  # the type its number was taken from
    Column("number", Integer, nullable=False),
    Column("display", String(8), nullable=False),
    Column("ticket_class", String(12), nullable=False),
    Column("state", String(12), nullable=False),
    Column("order_rank", Integer, nullable=False),  # 0 green channel, 1 everyone else
    Column("order_at", DateTime, nullable=False),  # arrival, or an appointment's slot (naive UTC)
    Column("issued_at", DateTime, nullable=False),
    Column("kiosk_id", String(36), nullable=True),
    Column("request_id", String(64), nullable=True),
    Column("person_key", String(64), nullable=True),
    Column("priority_reason", String(20), nullable=True),
    Column("booking_code", String(16), nullable=True),
    Column("counter", Integer, nullable=True),
    Column("served_by", String(40), nullable=True),  # the staff member of the last call (statistics)
    Column("called_at", DateTime, nullable=True),
    Column("finished_at", DateTime, nullable=True),
    Column("offline", Boolean, nullable=False, default=False),  # issued by a kiosk from its leased block
    Column("kiosk_issued_at", DateTime, nullable=True),  # offline tickets: the kiosk's clock, kept as given
    Column("received_at", DateTime, nullable=True),  # offline tickets: when central got it
    UniqueConstraint("site", "service_day", "issued_type", "number", name="uq_ticket_number"),
    UniqueConstraint("kiosk_id", "request_id", name="uq_ticket_request"),
)
Index(
    "ix_tickets_queue",
    tickets.c.site,
    tickets.c.service_day,
    tickets.c.type,
    tickets.c.state,
    tickets.c.order_rank,
    tickets.c.order_at,
    tickets.c.number,
)  # the whole calling order: "people ahead" is read off it
Index("ix_tickets_person", tickets.c.person_key, tickets.c.service_day)  # person first: see migration 0010

bookings = Table(
    "bookings",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("site", String(24), nullable=False),
    Column("type", String(3), nullable=False),
    Column("person_key", String(64), nullable=False, index=True),
    Column("slot_start", DateTime, nullable=False),
    Column("slot_end", DateTime, nullable=False),
    Column("state", String(12), nullable=False),  # booked, checked_in, missed, cancelled
    Column("ticket_id", String(24), nullable=True),
    # from the phone (/book): a slot, or a remote queue place (线上取号) taken at `slot_start`
    Column("kind", String(8), nullable=False, server_default="slot"),
    Column("matter_code", String(64), nullable=True),
    Column("name_masked", String(40), nullable=False, server_default=""),
    Column("id_masked", String(24), nullable=False, server_default=""),
    Column("phone_key", String(64), nullable=True, index=True),  # who may change or cancel it
    Column("created_at", DateTime, nullable=True),
)
Index("ix_bookings_state", bookings.c.state, bookings.c.slot_start)  # the sweep: reminders, no-shows

counter_states = Table(
    "counter_states",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("open", Boolean, nullable=False, default=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("ticket_id", String(24), nullable=True),  # the ticket being called or served
    Column("staff", String(40), nullable=True),
)

# Every call, recall and change, in order: the display board and phone pages
# follow this table, so an event reaches them whichever worker made it.
queue_events = Table(
    "queue_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(24), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ticket_id", String(24), nullable=True),
    Column("payload", Text, nullable=False),
)
Index("ix_queue_events_site", queue_events.c.site, queue_events.c.id)  # a site's board: its latest calls
Index("ix_queue_events_site_at", queue_events.c.site, queue_events.c.at)  # a site-day's (statistics)

# Blocks of numbers leased to a kiosk for issuing while central is unreachable.
# They come from the top of the day's range ([queue] offline_first_number up),
# so online numbering below stays gap-free; unused leased numbers are skipped.
number_leases = Table(
    "number_leases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(36), nullable=False, index=True),
    Column("site", String(24), nullable=False),
    Column("service_day", Date, nullable=False),
    Column("type", String(3), nullable=False),
    Column("first_number", Integer, nullable=False),
    Column("last_number", Integer, nullable=False),
    Column("leased_at", DateTime, nullable=False),
    UniqueConstraint("site", "service_day", "type", "first_number", name="uq_lease_block"),
)

ticket_prints = Table(
    "ticket_prints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(36), nullable=False),
    Column("site", String(24), nullable=False),
    Column("key", String(64), nullable=False),
    Column("ticket_id", String(24), nullable=False, index=True),
    Column("number", String(8), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    UniqueConstraint("kiosk_id", "key", name="uq_ticket_print_key"),
)
