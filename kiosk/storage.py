"""A damaged local database never stops the kiosk: the file is moved aside
(`<name>.corrupt-<time>`, with its -wal and -shm) for a technician, a new one
is made, and what can still be read is carried over. A kiosk that exited at
start on a corrupt file would only be restarted by systemd into the same exit.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Damage:
    """A database found damaged and replaced: shown by `kiosk doctor`, reported to central."""

    path: Path
    moved_to: Path
    reason: str
    recovered: int = 0


def check(db: sqlite3.Connection) -> None:
    """Raise sqlite3.DatabaseError unless SQLite finds the file sound (quick_check: seconds for
    gigabytes, milliseconds for the kiosk's files)."""
    result = db.execute("PRAGMA quick_check").fetchone()
    if not result or result[0] != "ok":
        raise sqlite3.DatabaseError(f"quick_check: {result[0] if result else 'no answer'}")


def move_aside(path: Path, reason: str) -> Path:
    """Rename the damaged file and its journal files out of the way; returns the new name."""
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm", "-journal"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.replace(Path(f"{target}{suffix}"))
    log.error("%s is damaged (%s): moved aside to %s; a new one is made", path, reason, target.name)
    return target


def readable_rows(path: Path, sql: str) -> list[tuple]:
    """The rows of `sql` that can still be read from a damaged file, read-only; a
    row past the damage ends the list (what comes before it is kept)."""
    rows: list[tuple] = []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return rows
    try:
        cursor = db.execute(sql)
        while True:
            try:
                row = cursor.fetchone()
            except sqlite3.Error:
                break
            if row is None:
                break
            rows.append(row)
    except sqlite3.Error:
        pass
    finally:
        db.close()
    return rows
