"""What citizens do at the kiosk, counted for the catalog team and the
managers' statistics: the guides opened, and the searches that found nothing
(what people look for and the catalog lacks). Counts are kept per hour in
memory and handed to the outbox at most every ten minutes, at a session's end
(so one citizen's searches are not a record of their own). A search text with
a run of digits (an ID or phone number typed into the box) is never kept."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from common.wire import USAGE_QUERY_MAX, UsageReport
from kiosk.sync.outbox import Outbox

log = logging.getLogger(__name__)
FLUSH_EVERY_S = 600.0
DIGITS = re.compile(r"\d{5,}")
MIN_QUERY = 2


def clean_query(text: str) -> str | None:
    """The search as it is counted: trimmed, one space between words, latin
    lower case; None for what must not be kept or says nothing."""
    query = " ".join(text.split()).lower()[:USAGE_QUERY_MAX]
    if len(query) < MIN_QUERY or DIGITS.search(query.replace(" ", "")):
        return None
    return query


class UsageRecorder:
    def __init__(
        self,
        outbox: Outbox,
        kick: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.outbox, self.kick, self.clock, self.now = outbox, kick, clock, now
        self._lock = threading.Lock()
        self._guides: dict[datetime, Counter[str]] = {}
        self._failed: dict[datetime, Counter[str]] = {}
        self._search: tuple[str, int] | None = None  # the search being typed: text, results
        self._flushed: float | None = None  # the first counts go at the first session's end

    def _hour(self) -> datetime:
        return self.now().replace(minute=0, second=0, microsecond=0)

    def guide_opened(self, code: str) -> None:
        with self._lock:
            self._guides.setdefault(self._hour(), Counter())[code] += 1

    def searched(self, text: str, results: int) -> None:
        """The search box changed; only where it ends counts (`search_ended`)."""
        self._search = (text, results)

    def search_ended(self) -> None:
        """The citizen left the search: if nothing was found, that is a gap in the catalog."""
        search, self._search = self._search, None
        if search is None or search[1] > 0:
            return
        query = clean_query(search[0])
        if query is not None:
            with self._lock:
                self._failed.setdefault(self._hour(), Counter())[query] += 1

    def flush(self, *, force: bool = False) -> int:
        """Hands the counts to the outbox (every ten minutes at most unless
        `force`); returns the reports written."""
        with self._lock:
            if not force and self._flushed is not None and self.clock() - self._flushed < FLUSH_EVERY_S:
                return 0
            hours = sorted(set(self._guides) | set(self._failed))
            reports = [
                UsageReport(
                    key=f"usage-{uuid.uuid4().hex}",
                    hour=hour,
                    guides=dict(self._guides.get(hour, {})),
                    failed_searches=dict(self._failed.get(hour, {})),
                )
                for hour in hours
            ]
            self._guides, self._failed, self._flushed = {}, {}, self.clock()
        for report in reports:
            self.outbox.put("usage", report.key, report.model_dump(mode="json"))
        if reports:
            self.kick()
            log.info("usage: %d hour report(s) queued", len(reports))
        return len(reports)
