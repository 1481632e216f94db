"""事项进驻 seen from this kiosk: does its site handle a matter, and where else
is it done. Asked of central when a guide opens (the catalog itself is
city-wide); remembered a few minutes; nothing is shown when central is away."""

from __future__ import annotations

import logging
import threading
import time

from common.matters import MatterAvailability
from kiosk.sync.client import CentralClient, CentralError

log = logging.getLogger(__name__)
KEEP_S = 300.0


class MatterSites:
    def __init__(self, central: CentralClient | None):
        self.central = central
        self._known: dict[str, tuple[float, MatterAvailability]] = {}
        self._lock = threading.Lock()

    def lookup(self, code: str) -> MatterAvailability | None:
        """Runs on a worker thread; None when it cannot be known now."""
        with self._lock:
            cached = self._known.get(code)
        if cached and time.monotonic() - cached[0] < KEEP_S:
            return cached[1]
        if self.central is None or self.central.credentials is None:
            return None
        try:
            found = self.central.matter_sites(code)
        except CentralError as exc:
            log.info("where %s is handled is unknown now (%s)", code, exc.kind)
            return None
        with self._lock:
            self._known[code] = (time.monotonic(), found)
        return found

    def forget(self) -> None:
        """The kiosk moved to another site: what was true there is not here."""
        with self._lock:
            self._known.clear()
