"""Defence in depth for PIPL: whatever a log line says, an ID number in it is
masked before it is written (code should never log one in the first place)."""

from __future__ import annotations

import logging
import re

from common.identity import mask_id

ID_LIKE = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])"
)


def scrub(text: str) -> str:
    return ID_LIKE.sub(lambda m: mask_id(m.group(0)), text)


class IdNumberScrubber(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """On every handler of the root logger (filters on a logger do not see
    records that propagate from children; handler filters do)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, IdNumberScrubber) for f in handler.filters):
            handler.addFilter(IdNumberScrubber())
