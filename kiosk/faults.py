"""Device faults as they happen (paper out, printer offline, reader gone),
written to the outbox on each change of state, so central's record of what
went wrong and when survives a network outage and a restart."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

from common import wire
from kiosk.sync.outbox import Outbox

log = logging.getLogger(__name__)


class FaultLog:
    def __init__(self, outbox: Outbox, kick=lambda: None):
        self.outbox = outbox
        self.kick = kick
        self._state: dict[str, str] = {}
        self._lock = threading.Lock()

    def note(self, device: str, reason: str, detail: str = "") -> bool:
        """`reason` is the fault ("paper_out", ...) or "" when the device works;
        only a change is recorded. Returns True when something was written."""
        with self._lock:
            before = self._state.get(device, "")
            if reason == before:
                return False
            self._state[device] = reason
        if not reason and not before:
            return False
        fault = wire.Fault(
            key=f"fault-{uuid.uuid4().hex}",
            device=device,
            reason=reason or "cleared",
            detail=detail[:300],
            at=datetime.now(UTC),
        )
        try:
            self.outbox.put("fault", fault.key, fault.model_dump(mode="json"))
        except Exception:  # a full disk must not turn a paper-out into a crash
            log.exception("fault %s/%s not recorded", device, fault.reason)
            return False
        log.warning("device %s: %s %s", device, fault.reason, detail)
        self.kick()
        return True

    def current(self) -> dict[str, str]:
        with self._lock:
            return {device: reason for device, reason in self._state.items() if reason}
