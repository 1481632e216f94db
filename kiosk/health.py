"""What the heartbeat reports about this kiosk beyond its devices, and the
disk guard that keeps a kiosk working when its disk fills up: old logs go
first, then printer previews, then outbox items central already has; the
outbox itself (what citizens did) is never touched."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from common import wire

log = logging.getLogger(__name__)
MB = 1024 * 1024


def rss_mb() -> float:
    """Resident memory of this process now (not the peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass(frozen=True)
class DiskState:
    free_mb: int
    used_pct: float


def disk_state(path: Path) -> DiskState:
    usage = shutil.disk_usage(path)
    return DiskState(usage.free // MB, round(100 * (usage.total - usage.free) / usage.total, 1) if usage.total else 0.0)


class DiskGuard:
    """Frees space below `min_free_mb`, cheapest loss first."""

    def __init__(self, data_dir: Path, min_free_mb: int, *, prune_outbox: Callable[[float], int] | None = None):
        self.data_dir = data_dir
        self.min_free_mb = min_free_mb
        self.prune_outbox = prune_outbox
        self.last_freed = 0

    def low(self) -> bool:
        return disk_state(self.data_dir).free_mb < self.min_free_mb

    def check(self) -> int:
        """Delete until there is room again; returns the bytes freed."""
        if not self.low():
            return 0
        freed = 0
        for victim in self._victims():
            try:
                size = victim.stat().st_size
                victim.unlink()
                freed += size
            except OSError:
                continue
            if not self.low():
                break
        if self.low() and self.prune_outbox:
            removed = self.prune_outbox(0)
            log.warning("disk low: removed %d delivered outbox items", removed)
        self.last_freed = freed
        state = disk_state(self.data_dir)
        log.warning(
            "disk low: freed %.1f MB; %d MB free now (%s)",
            freed / MB,
            state.free_mb,
            "ok" if state.free_mb >= self.min_free_mb else "still low: check what fills the disk",
        )
        return freed

    def _victims(self) -> list[Path]:
        """Rotated logs (oldest first), then previews and finished documents (oldest first)."""
        logs = sorted(self.data_dir.glob("logs/*.log.*"), key=_mtime)
        previews = sorted([*self.data_dir.glob("printer/*"), *self.data_dir.glob("documents/*")], key=_mtime)
        return [p for p in logs + previews if p.is_file()]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


class HealthProbe:
    """Collects wire.KioskHealth from the services (each part optional)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        outbox=None,
        catalog=None,
        catalog_sync=None,
        settings=None,
        offline=None,
        guard: DiskGuard | None = None,
    ):
        self.data_dir = data_dir
        self.outbox = outbox
        self.catalog = catalog
        self.catalog_sync = catalog_sync
        self.settings = settings
        self.offline = offline
        self.guard = guard

    def __call__(self) -> wire.KioskHealth:
        if self.guard:
            self.guard.check()
        disk = disk_state(self.data_dir)
        counts = self.outbox.counts() if self.outbox else {}
        synced = self.catalog_sync.last_success if self.catalog_sync else None
        return wire.KioskHealth(
            disk_free_mb=disk.free_mb,
            disk_used_pct=disk.used_pct,
            memory_rss_mb=round(rss_mb(), 1),
            outbox_backlog=counts.get("ready", 0) + counts.get("in_flight", 0),
            outbox_failed=counts.get("failed", 0),
            outbox_oldest_s=round(self.outbox.oldest_pending_s(), 1) if self.outbox else 0.0,
            last_sync_at=datetime.fromtimestamp(synced).astimezone() if synced else None,
            catalog_version=self.catalog.state.version if self.catalog and self.catalog.ready else 0,
            config_version=self.settings.current.version if self.settings else 0,
            offline_numbers=self.offline.numbers_left() if self.offline else 0,
            mode=self.settings.mode() if self.settings else "normal",
        )


__all__ = ["DiskGuard", "HealthProbe", "disk_state", "rss_mb"]
