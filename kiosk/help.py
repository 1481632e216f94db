"""一键呼叫: the citizen calls a member of staff from any screen. The call
goes through the outbox, so it reaches central (and the site's counter and
manager pages) even when the network is back only later; a second tap within
a minute does not call twice."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from common.wire import HelpCall
from kiosk.sync.outbox import Outbox

log = logging.getLogger(__name__)
HelpOutcome = Literal["sent", "already", "offline"]
AGAIN_AFTER_S = 60.0


class HelpService:
    def __init__(
        self,
        outbox: Outbox,
        kick: Callable[[], None],
        online: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
    ):
        self.outbox, self.kick, self.online, self.clock = outbox, kick, online, clock
        self._last: float | None = None

    def call(self, screen: str) -> HelpOutcome:
        """Call staff for the citizen on `screen`: sent (central is reachable),
        offline (it will be sent when it is) or already (called a moment ago)."""
        now = self.clock()
        if self._last is not None and now - self._last < AGAIN_AFTER_S:
            return "already"
        self._last = now
        call = HelpCall(key=f"help-{uuid.uuid4().hex}", screen=screen, at=datetime.now(UTC))
        self.outbox.put("help", call.key, call.model_dump(mode="json"))
        self.kick()
        online = self.online()
        log.info("help called from screen %s (%s)", screen, "online" if online else "offline: queued")
        return "sent" if online else "offline"
