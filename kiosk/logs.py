"""Logging for a kiosk that runs for months: to the journal (stderr) and to
<data_dir>/logs/kiosk.log, rotated by size, so the disk never fills with
logs (the disk guard deletes the oldest rotated files first when it must).
The privacy filter (common.privacy) masks ID numbers in every record."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def add_file(log_dir: Path, *, max_mb: int = 5, files: int = 5) -> Path | None:
    """Add the rotating file next to the journal's stderr; None when the disk refuses."""
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_dir / "kiosk.log", maxBytes=max_mb * 1024 * 1024, backupCount=files, encoding="utf-8"
        )
    except OSError as exc:  # a read-only or full disk: the journal still has everything
        logging.getLogger(__name__).warning("no log file in %s: %s", log_dir, exc)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    from common import privacy

    privacy.install()  # the new handler masks ID numbers too
    return log_dir / "kiosk.log"
