"""Keeps the kiosk's catalog current: asks central for changes since its
version every few minutes; a failed or rejected update keeps the old copy."""

from __future__ import annotations

import logging
import time

from kiosk.catalog.service import CatalogRejected, CatalogService
from kiosk.events import CatalogUpdated, EventBus
from kiosk.sync.client import CentralClient, CentralError
from kiosk.sync.periodic import PeriodicWorker

log = logging.getLogger(__name__)


class CatalogSyncWorker(PeriodicWorker):
    name = "catalog-sync"

    def __init__(self, catalog: CatalogService, client: CentralClient, events: EventBus, interval_s: float):
        super().__init__(interval_s)
        self.catalog = catalog
        self.client = client
        self.events = events
        self.last_error = ""
        self.last_success: float | None = None  # unix time of the last sync that got an answer

    def run_once(self) -> bool:
        try:
            result = self.catalog.sync(self.client)
        except CentralError as exc:
            if exc.kind != "network":
                log.error("catalog sync refused or garbled: %s", exc)
            self.last_error = exc.code or exc.kind
            return False
        except CatalogRejected as exc:
            log.error("catalog update rejected, keeping version %d: %s", self.catalog.state.version, exc)
            self.last_error = "rejected"
            return True  # do not hammer central with the same bad update
        self.last_error = ""
        self.last_success = time.time()
        if result.changed:
            self.events.publish(CatalogUpdated(result.version, result.changed))
        return True
