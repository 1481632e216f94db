"""Rollup tables (migration 0016). `stats_days` says which site-days are folded
and from what (a fingerprint of the day's rows, so a late offline ticket or
rating refolds it); `stats_months` counts the folded days of a month, whose
rows in `stats_monthly` exist once every day of it is folded."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, Text

from central.stats.facts import HISTOGRAMS, NUMBERS

metadata = MetaData()

DIMENSIONS = ("site", "type", "counter", "staff", "kiosk")

stats_days = Table(
    "stats_days",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("fingerprint", String(120), nullable=False),
    Column("folded_at", DateTime, nullable=False),
)

stats_months = Table(
    "stats_months",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("month", Date, primary_key=True),  # its first day
    Column("days", Integer, nullable=False),  # folded so far
)


def _facts_table(name: str, period: str) -> Table:
    return Table(
        name,
        metadata,
        Column("dim", String(8), primary_key=True),
        Column("site", String(24), primary_key=True),
        Column(period, Date, primary_key=True),
        Column("key", String(40), primary_key=True),  # "" for the site itself
        *(Column(n, Integer, nullable=False, default=0) for n in NUMBERS),
        *(Column(n, Text, nullable=False, default="") for n in HISTOGRAMS),
    )


stats_daily = _facts_table("stats_daily", "day")
stats_monthly = _facts_table("stats_monthly", "month")


# Kiosk use, as kiosks count it (common.wire.UsageReport): per site, service day,
# kiosk, kind ("guide": a matter code; "failed_search": the text) and key.
kiosk_usage = Table(
    "kiosk_usage",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("kiosk_id", String(36), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
)
# the reports already counted, so a report sent twice (a lost reply) counts once
usage_receipts = Table(
    "usage_receipts",
    metadata,
    Column("kiosk_id", String(36), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("received_at", DateTime, nullable=False),
)
