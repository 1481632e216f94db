"""Site tables. The TOML file seeds them once (migration 0011); afterwards the
API and the CLI change them, and `site_config.version` grows with every change
so every worker and node reloads (central.sites.store.SiteDirectory)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()

sites = Table(
    "sites",
    metadata,
    Column("code", String(24), primary_key=True),
    Column("kind", String(16), nullable=False),  # hall, centre (便民服务中心), self_service
    Column("name", String(80), nullable=False),
    Column("name_en", String(120), nullable=False),
    Column("address", String(200), nullable=False),
    Column("timezone", String(40), nullable=False),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("hours", Text, nullable=False),  # JSON: open, close, days, holidays (central.sites.model.Hours)
    Column("position", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("announce_zh", String(120), nullable=False, server_default=""),  # "" : [display] announce_zh
    Column("announce_en", String(120), nullable=False, server_default=""),
)

business_types = Table(
    "business_types",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("code", String(3), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("name_en", String(120), nullable=False),
    Column("avg_minutes", Float, nullable=False),
    Column("position", Integer, nullable=False),
)

site_counters = Table(
    "site_counters",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("types", String(200), nullable=False),  # comma-separated type codes; empty: a 综合窗口 serving all
)

# 事项进驻: which matters of the city-wide catalog a site handles, and at which windows.
# A site with no rows here handles every matter (a one-hall deployment never lists them).
site_matters = Table(
    "site_matters",
    metadata,
    Column("site", String(24), primary_key=True),
    Column("matter_code", String(64), primary_key=True),
    Column("windows", String(200), nullable=False),  # counter numbers, comma-separated; empty: any
)

site_config = Table(
    "site_config",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

staff_sites = Table(
    "staff_sites",
    metadata,
    Column("username", String(40), primary_key=True),
    Column("site", String(24), primary_key=True),
)
