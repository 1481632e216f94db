"""Central's one datetime convention: code holds aware UTC datetimes; the
database holds naive UTC (SQLAlchemy's DateTime on both engines, and on SQLite
the text `YYYY-MM-DD HH:MM:SS.ffffff`). Convert at the store's edge with
`to_db` and `from_db`, nowhere else."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # exactly how SQLAlchemy stores DateTime on SQLite


def utcnow() -> datetime:
    return datetime.now(UTC)


def db_now() -> datetime:
    """Now, as stored: naive UTC (for SQLAlchemy Core statements on DateTime columns)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_db(moment: datetime) -> datetime:
    """Naive UTC, as stored (a naive value is taken to be UTC already)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


@overload
def from_db(value: None) -> None: ...
@overload
def from_db(value: datetime | str) -> datetime: ...
def from_db(value: datetime | str | None) -> datetime | None:
    """An aware UTC datetime from a stored value (a datetime, or SQLite's text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)  # SQLITE_DATETIME is ISO 8601; 80x faster than strptime
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def day_from_db(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
